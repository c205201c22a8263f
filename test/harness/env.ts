/**
 * Saves the values of `names` in process.env now; the returned function puts them back (deleting those that were
 * unset), for tests and benches that set engine variables for a while.
 */
export function saveEnv(...names: string[]): () => void {
  const saved = names.map((name) => [name, process.env[name]] as const);
  return () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
