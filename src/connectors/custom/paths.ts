// Field paths into a vendor record: `a.b.c`, `emails.0.value`, `emails[0].value`,
// `emails[primary=true].value` and quoted keys for names holding dots (`["urn:…:2.0:User"].manager`).

export type PathSegment =
  | { kind: 'key'; key: string }
  | { kind: 'index'; index: number }
  | { kind: 'filter'; key: string; value: string };

/** Parses a path; returns an error message when the syntax is wrong. The empty string is the record itself. */
export function compilePath(path: string): PathSegment[] | string {
  const segments: PathSegment[] = [];
  let i = 0;
  const n = path.length;
  let expectSegment = true;
  while (i < n) {
    const c = path[i]!;
    if (c === '.') {
      if (expectSegment) return `empty segment at position ${i}`;
      expectSegment = true;
      i++;
      continue;
    }
    if (c === '[') {
      const close = findClose(path, i);
      if (close < 0) return `unclosed "[" at position ${i}`;
      const inner = path.slice(i + 1, close).trim();
      const quoted = /^(["'])(.*)\1$/.exec(inner);
      if (quoted) segments.push({ kind: 'key', key: quoted[2]! });
      else if (/^\d+$/.test(inner)) segments.push({ kind: 'index', index: Number(inner) });
      else {
        const eq = inner.indexOf('=');
        if (eq <= 0) return `"[${inner}]" must be an index, a quoted key or key=value`;
        segments.push({ kind: 'filter', key: inner.slice(0, eq).trim(), value: inner.slice(eq + 1).trim().replace(/^(["'])(.*)\1$/, '$2') });
      }
      i = close + 1;
      expectSegment = false;
      continue;
    }
    if (!expectSegment) return `expected "." or "[" at position ${i}`;
    let j = i;
    while (j < n && path[j] !== '.' && path[j] !== '[') j++;
    const key = path.slice(i, j);
    segments.push(/^\d+$/.test(key) ? { kind: 'index', index: Number(key) } : { kind: 'key', key });
    expectSegment = false;
    i = j;
  }
  if (expectSegment && n > 0) return 'path ends with "."';
  return segments;
}

function findClose(path: string, open: number): number {
  const quote = path[open + 1];
  if (quote === '"' || quote === "'") {
    const end = path.indexOf(quote, open + 2);
    return end < 0 ? -1 : path.indexOf(']', end);
  }
  return path.indexOf(']', open);
}

const cache = new Map<string, PathSegment[]>();

/** Reads a value at a path; undefined when any step is missing. The path must have been validated. */
export function readPath(value: unknown, path: string): unknown {
  let segments = cache.get(path);
  if (!segments) {
    const compiled = compilePath(path);
    if (typeof compiled === 'string') throw new Error(`invalid field path "${path}": ${compiled}`);
    segments = compiled;
    if (cache.size < 1000) cache.set(path, segments);
  }
  let current = value;
  for (const s of segments) {
    if (current == null) return undefined;
    if (s.kind === 'key') {
      if (typeof current !== 'object') return undefined;
      current = (current as Record<string, unknown>)[s.key];
    } else if (s.kind === 'index') {
      current = Array.isArray(current) ? current[s.index] : (current as Record<string, unknown>)[String(s.index)];
    } else {
      if (!Array.isArray(current)) return undefined;
      current = current.find((item) => item != null && typeof item === 'object' && String((item as Record<string, unknown>)[s.key]) === s.value);
    }
  }
  return current;
}
