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
 * line number per ID in one typed array (12 to 24 bytes per ID, by load), each slot's three words side by side so
 * that a probe touches one cache line. Two different IDs sharing a fingerprint is the only way it can err (a false
 * "duplicate"): for a file of one million IDs that chance is about 5·10⁻⁸.
 * @example
 * const seen = new FingerprintSet();
 * seen.add('a', 3); seen.lineOf('a') // 3
 */
export class FingerprintSet {
  /** Slot i: [3i] high hash, [3i+1] low hash (odd, so 0 means empty), [3i+2] line; int32s, as the hash state. */
  private slots: Int32Array;
  private mask: number;
  private count = 0;
  /** The slots and fingerprints of one record's suffixed IDs, all checked before any is added; reused across records. */
  private scratch = new Int32Array(64);

  constructor(initialCapacity = 1024) {
    let cap = 16;
    while (cap * 3 < initialCapacity * 4) cap *= 2;
    this.slots = new Int32Array(cap * 3);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  /** The line number an equal string was added with, or 0 when absent. */
  lineOf(id: string): number {
    hash(id);
    const at = this.find(state[H1], state[H2]) * 3;
    return this.slots[at + 1] === 0 ? 0 : this.slots[at + 2];
  }

  /** Adds the string; returns false (and keeps the first line) when it was already there. */
  add(id: string, line: number): boolean {
    hash(id);
    const slot = this.find(state[H1], state[H2]);
    if (this.slots[slot * 3 + 1] !== 0) return false;
    this.fill(slot, state[H1], state[H2], line);
    return true;
  }

  /**
   * Adds the partner IDs of one record — `base` alone, or `base_0` … `base_{count-1}` — or none of them: when one
   * was already there, returns it with the line it came from and leaves the set as it was. The suffixed IDs are
   * hashed from the base's hash state, never built as strings (building and flattening them cost more than the
   * whole lookup).
   */
  addRecord(base: string, count: number, line: number): { id: string; line: number } | undefined {
    hashFrom(base, 0x811c9dc5, 0x050c5d1f);
    if (count === 1) {
      finish(state[BASE_A], state[BASE_B]);
      const slot = this.find(state[H1], state[H2]);
      if (this.slots[slot * 3 + 1] !== 0) return { id: base, line: this.slots[slot * 3 + 2] };
      this.fill(slot, state[H1], state[H2], line);
      return undefined;
    }
    const a0 = Math.imul(state[BASE_A] ^ 95, 0x01000193); // '_'
    const b0 = Math.imul(state[BASE_B] ^ 95, 0x5bd1e995);
    // Room for all of them first, so that the slots found below stay where they are until filled.
    while ((this.count + count) * 4 > (this.mask + 1) * 3) this.grow();
    if (this.scratch.length < count * 3) this.scratch = new Int32Array(Math.max(count * 3, this.scratch.length * 2));
    const found = this.scratch;
    for (let i = 0; i < count; i++) {
      suffixHash(a0, b0, i);
      const a = state[H1];
      const b = state[H2];
      const slot = this.find(a, b);
      if (this.slots[slot * 3 + 1] !== 0) return { id: `${base}_${i}`, line: this.slots[slot * 3 + 2] };
      found[3 * i] = slot;
      found[3 * i + 1] = a;
      found[3 * i + 2] = b;
    }
    for (let i = 0; i < count; i++) {
      let slot = found[3 * i];
      // An earlier ID of this record may have taken the slot this one found empty: probe on from there.
      if (this.slots[slot * 3 + 1] !== 0) slot = this.find(found[3 * i + 1], found[3 * i + 2]);
      if (this.slots[slot * 3 + 1] === 0) this.fill(slot, found[3 * i + 1], found[3 * i + 2], line);
    }
    return undefined;
  }

  private fill(slot: number, a: number, b: number, line: number): void {
    const at = slot * 3;
    this.slots[at] = a;
    this.slots[at + 1] = b;
    this.slots[at + 2] = line;
    // Linear probing stays short up to 3/4 full.
    if (++this.count * 4 > (this.mask + 1) * 3) this.grow();
  }

  private find(a: number, b: number): number {
    const slots = this.slots;
    let slot = (a ^ Math.imul(b, 0x9e3779b1)) & this.mask;
    for (;;) {
      const y = slots[slot * 3 + 1];
      if (y === 0 || (y === b && slots[slot * 3] === a)) return slot;
      slot = (slot + 1) & this.mask;
    }
  }

  private grow(): void {
    const old = this.slots;
    const cap = (this.mask + 1) * 2;
    this.slots = new Int32Array(cap * 3);
    this.mask = cap - 1;
    for (let at = 0; at < old.length; at += 3) {
      if (old[at + 1] === 0) continue;
      const slot = this.find(old[at], old[at + 1]) * 3;
      this.slots[slot] = old[at];
      this.slots[slot + 1] = old[at + 1];
      this.slots[slot + 2] = old[at + 2];
    }
  }
}

// Two 32-bit FNV-1a lanes with different offsets and primes, computed in one pass and each finalized with
// murmur3's fmix32, give the 64-bit fingerprint. `h2` always has its low bit set so that 0 can mean "empty slot".
// The lanes run over the characters only; the finalizer folds in nothing else, so hashing "x" then "_1" from its
// state gives exactly the fingerprint of "x_1".
// The hash state is int32 in a typed array, and the slots an Int32Array: uint32 values in module-level `let`s and a
// Uint32Array (the first version) cost ~100 ms more on the 682,000 IDs of a 200 MB file (in-process, alternating
// runs); V8 keeps int32 arithmetic in machine integers, while a uint32 past 2^31 is a double.
const state = new Int32Array(4);
const BASE_A = 0;
const BASE_B = 1;
const H1 = 2;
const H2 = 3;

function hashFrom(s: string, a: number, b: number): void {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  state[BASE_A] = a;
  state[BASE_B] = b;
}

function finish(a: number, b: number): void {
  state[H1] = fmix(a);
  state[H2] = fmix(b ^ (a >>> 7)) | 1;
}

function hash(s: string): void {
  hashFrom(s, 0x811c9dc5, 0x050c5d1f);
  finish(state[BASE_A], state[BASE_B]);
}

/** The fingerprint of `{base}_{i}` from the lanes' state after `{base}_`. */
function suffixHash(a: number, b: number, i: number): void {
  if (i < 10) {
    finish(Math.imul(a ^ (48 + i), 0x01000193), Math.imul(b ^ (48 + i), 0x5bd1e995));
    return;
  }
  // The decimal digits of i, most significant first, without building String(i).
  let scale = 1;
  while (scale * 10 <= i) scale *= 10;
  for (; scale >= 1; scale /= 10) {
    const c = 48 + (Math.floor(i / scale) % 10);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  finish(a, b);
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
