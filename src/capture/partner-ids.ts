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
 * line number per ID in typed arrays (12 to 24 bytes per ID, by load). Two different IDs sharing a fingerprint is
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
    while (cap * 3 < initialCapacity * 4) cap *= 2;
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
    return this.insert(h1, h2, line);
  }

  /**
   * Adds all of a record's IDs, or none of them: when one was already there, returns it with the line it came
   * from and leaves the set as it was. Each ID is hashed once.
   */
  addAll(ids: readonly string[], line: number): { id: string; line: number } | undefined {
    if (ids.length === 1) {
      hash(ids[0]);
      const slot = this.find(h1, h2);
      if (this.hi[slot] !== 0 || this.lo[slot] !== 0) return { id: ids[0], line: this.lines[slot] };
      this.insert(h1, h2, line);
      return undefined;
    }
    const fingerprints = new Uint32Array(ids.length * 2);
    for (let i = 0; i < ids.length; i++) {
      hash(ids[i]);
      const slot = this.find(h1, h2);
      if (this.hi[slot] !== 0 || this.lo[slot] !== 0) return { id: ids[i], line: this.lines[slot] };
      fingerprints[2 * i] = h1;
      fingerprints[2 * i + 1] = h2;
    }
    for (let i = 0; i < ids.length; i++) this.insert(fingerprints[2 * i], fingerprints[2 * i + 1], line);
    return undefined;
  }

  private insert(a: number, b: number, line: number): boolean {
    const slot = this.find(a, b);
    if (this.hi[slot] !== 0 || this.lo[slot] !== 0) return false;
    this.hi[slot] = a;
    this.lo[slot] = b;
    this.lines[slot] = line;
    // Linear probing stays short up to 3/4 full; growing later keeps the table at ~12 bytes per ID.
    if (++this.count * 4 > this.hi.length * 3) this.grow();
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
