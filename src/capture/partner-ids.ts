/**
 * Arthur's partner inference ID of each inference of a record: the call's `inferenceId` when it gave one, else the
 * record's `eventId`; a record holding several inferences suffixes `_0`, `_1`, … in order.
 * @example partnerInferenceIds('req-7', 2) // ['req-7_0', 'req-7_1']
 * @example partnerInferenceIds('req-7', 1) // ['req-7']
 */
export function partnerInferenceIds(id: string, inferences: number): string[] {
  if (inferences === 1) return [id];
  const ids = new Array<string>(inferences);
  for (let i = 0; i < inferences; i++) ids[i] = `${id}_${i}`;
  return ids;
}

/**
 * A compact set of strings for duplicate detection within one file, remembering the line each came from.
 *
 * Hundreds of thousands of IDs kept as JS strings in a Set cost tens of MB; this keeps a 63-bit fingerprint and a
 * line number per ID in typed arrays (~24 bytes per ID at worst load). Two different IDs sharing a fingerprint is
 * the only way it can err (a false "duplicate"): for a file of one million IDs that chance is about 5·10⁻⁸.
 * @example
 * const seen = new FingerprintSet();
 * seen.add('a', 3); seen.lineOf('a') // 3
 */
export class FingerprintSet {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private lines: Uint32Array;
  private mask: number;
  private count = 0;

  constructor(initialCapacity = 1024) {
    let cap = 16;
    while (cap < initialCapacity * 2) cap *= 2;
    this.hi = new Uint32Array(cap);
    this.lo = new Uint32Array(cap);
    this.lines = new Uint32Array(cap);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  /** The line number an equal string was added with, or 0 when absent. */
  lineOf(id: string): number {
    hash(id);
    const slot = this.find(h1, h2);
    return this.hi[slot] === 0 && this.lo[slot] === 0 ? 0 : this.lines[slot];
  }

  /** Adds the string; returns false (and keeps the first line) when it was already there. */
  add(id: string, line: number): boolean {
    hash(id);
    const slot = this.find(h1, h2);
    if (this.hi[slot] !== 0 || this.lo[slot] !== 0) return false;
    this.hi[slot] = h1;
    this.lo[slot] = h2;
    this.lines[slot] = line;
    if (++this.count * 2 > this.mask) this.grow();
    return true;
  }

  private find(a: number, b: number): number {
    let slot = (a ^ Math.imul(b, 0x9e3779b1)) & this.mask;
    for (;;) {
      const x = this.hi[slot];
      const y = this.lo[slot];
      if ((x === 0 && y === 0) || (x === a && y === b)) return slot;
      slot = (slot + 1) & this.mask;
    }
  }

  private grow(): void {
    const { hi, lo, lines } = this;
    const cap = hi.length * 2;
    this.hi = new Uint32Array(cap);
    this.lo = new Uint32Array(cap);
    this.lines = new Uint32Array(cap);
    this.mask = cap - 1;
    for (let i = 0; i < hi.length; i++) {
      if (hi[i] === 0 && lo[i] === 0) continue;
      const slot = this.find(hi[i], lo[i]);
      this.hi[slot] = hi[i];
      this.lo[slot] = lo[i];
      this.lines[slot] = lines[i];
    }
  }
}

// Two independent 32-bit hashes computed in one pass (FNV-1a and a multiply-xorshift), each finalized with
// murmur3's fmix32. `lo` always has its low bit set so that (0, 0) can mean "empty slot".
let h1 = 0;
let h2 = 0;
function hash(s: string): void {
  let a = 0x811c9dc5;
  let b = 0x9747b28c ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 13;
  }
  h1 = fmix(a) >>> 0;
  h2 = (fmix(b) | 1) >>> 0;
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
