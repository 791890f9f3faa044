/** What a stack has started, closed in reverse order of start, best effort. */
export class Closers {
  private readonly list: Array<() => Promise<void> | void> = [];

  add(close: () => Promise<void> | void): void {
    this.list.push(close);
  }

  /** In reverse order of start: the router and workflow stop before the servers they call. */
  async closeAll(): Promise<void> {
    for (const close of this.list.splice(0).reverse()) {
      try {
        await close();
      } catch {
        // Closing is best effort: one server failing to close must not keep the others open.
      }
    }
  }
}
