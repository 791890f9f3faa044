/** Runs a create call that may find its resource already there (a data directory kept from the last run). */
export async function ignoreExisting(action: () => Promise<unknown>, names: string[]): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (!(error instanceof Error) || !names.includes(error.name)) throw error;
  }
}
