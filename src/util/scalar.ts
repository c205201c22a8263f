/**
 * The text of a YAML/JSON scalar (string, number, boolean, bigint) as Go and Python print it; '' for null,
 * undefined, objects and anything else. For values read from documents, where the type is only known at runtime.
 */
export function scalarText(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(v);
    default:
      return '';
  }
}
