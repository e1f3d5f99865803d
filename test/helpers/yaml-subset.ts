// Reads the plain subset of YAML our OpenAPI file is written in, so the contract test needs no YAML
// package: block mappings and sequences, plain and quoted scalars, flow sequences of scalars, `{}`, and
// `|`/`>` block scalars. Anything outside that subset throws with its line number instead of being misread.

interface Line {
  indent: number;
  text: string;
  /** 1-based, for error messages. */
  no: number;
}

class YamlSubsetError extends Error {
  constructor(line: { no: number } | null, message: string) {
    super(`YAML subset, ${line ? `line ${line.no}` : 'end of file'}: ${message}`);
  }
}

/** The line without a trailing comment (a # after a space, outside quotes). */
function stripComment(text: string): string {
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '#' && (i === 0 || text[i - 1] === ' ')) {
      return text.slice(0, i).trimEnd();
    }
  }
  return text.trimEnd();
}

const KEY = /^(?:"((?:[^"\\]|\\.)*)"|'((?:[^']|'')*)'|([^\s'"#,[\]{}&*!|>%@`][^:]*?))\s*:(?:\s+(.*))?$/;

function splitKey(line: Line): { key: string; rest: string } | null {
  const m = KEY.exec(line.text);
  if (!m) return null;
  const key = m[1] !== undefined ? (JSON.parse(`"${m[1]}"`) as string) : m[2] !== undefined ? m[2].replace(/''/g, "'") : m[3]!;
  return { key, rest: (m[4] ?? '').trim() };
}

function parseScalar(text: string, line: Line): unknown {
  if (text.startsWith('"')) {
    if (!/^"(?:[^"\\]|\\.)*"$/.test(text)) throw new YamlSubsetError(line, `bad double-quoted scalar ${text}`);
    return JSON.parse(text);
  }
  if (text.startsWith("'")) {
    if (!/^'(?:[^']|'')*'$/.test(text)) throw new YamlSubsetError(line, `bad single-quoted scalar ${text}`);
    return text.slice(1, -1).replace(/''/g, "'");
  }
  if (text === '{}') return {};
  if (text.startsWith('[')) {
    if (!text.endsWith(']')) throw new YamlSubsetError(line, 'flow sequences must fit on one line');
    const inner = text.slice(1, -1).trim();
    if (inner === '') return [];
    if (/[[\]{}]/.test(inner)) throw new YamlSubsetError(line, 'nested flow collections are outside the subset');
    return inner.split(',').map((item) => parseScalar(item.trim(), line));
  }
  if (/^[,{}&*!|>%@`\]]/.test(text) || /^[-?:](\s|$)/.test(text)) {
    throw new YamlSubsetError(line, `"${text.slice(0, 20)}" starts with an indicator outside the subset; quote it`);
  }
  if (/:\s/.test(text) || text.endsWith(':')) throw new YamlSubsetError(line, `plain scalar with ": " inside; quote it`);
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (text === 'null' || text === '~') return null;
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  return text;
}

class Reader {
  private index = 0;
  private pending: Line | null = null;

  constructor(private readonly raw: string[]) {}

  peek(): Line | null {
    if (this.pending) return this.pending;
    for (let i = this.index; i < this.raw.length; i++) {
      const source = this.raw[i]!;
      if (/^\s*\t/.test(source)) throw new YamlSubsetError({ no: i + 1 }, 'tabs are not allowed for indentation');
      const text = stripComment(source);
      if (text.trim() === '') continue;
      const indent = text.length - text.trimStart().length;
      return { indent, text: text.trimStart(), no: i + 1 };
    }
    return null;
  }

  advance(line: Line): void {
    if (this.pending === line) this.pending = null;
    else this.index = line.no;
  }

  /** The rest of a sequence item ("- key: value") read again as the first line of a mapping. */
  pushBack(line: Line): void {
    this.pending = line;
  }

  /** Raw lines of a block scalar: everything indented deeper than `parent`, blank lines included. */
  blockLines(parent: number): string[] {
    const out: string[] = [];
    while (this.index < this.raw.length) {
      const source = this.raw[this.index]!;
      if (source.trim() !== '' && source.length - source.trimStart().length <= parent) break;
      out.push(source);
      this.index++;
    }
    while (out.length && out[out.length - 1]!.trim() === '') out.pop();
    return out;
  }
}

function parseBlockScalar(reader: Reader, indicator: string, parent: number, line: Line): string {
  if (!/^[|>]-?$/.test(indicator)) throw new YamlSubsetError(line, `block scalar header ${indicator} is outside the subset`);
  const lines = reader.blockLines(parent);
  const depth = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => l.length - l.trimStart().length));
  const body = lines.map((l) => (l.trim() === '' ? '' : l.slice(depth)));
  const keep = indicator.endsWith('-') ? '' : '\n';
  if (indicator.startsWith('|')) return body.join('\n') + keep;
  // Folded: single line breaks become spaces, blank lines stay as line breaks.
  return body.join('\n').replace(/([^\n])\n(?=[^\n])/g, '$1 ').replace(/\n\n/g, '\n') + keep;
}

function parseValue(reader: Reader, rest: string, indent: number, line: Line): unknown {
  if (rest === '') {
    const next = reader.peek();
    if (next && next.indent > indent) return parseNode(reader, next.indent);
    if (next && next.indent === indent && /^-(\s|$)/.test(next.text)) return parseSequence(reader, indent);
    return null;
  }
  if (rest.startsWith('|') || rest.startsWith('>')) return parseBlockScalar(reader, rest, indent, line);
  return parseScalar(rest, line);
}

function parseMapping(reader: Reader, indent: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let line = reader.peek(); line && line.indent >= indent; line = reader.peek()) {
    if (line.indent > indent) throw new YamlSubsetError(line, 'unexpected indentation');
    if (/^-(\s|$)/.test(line.text)) break;
    const pair = splitKey(line);
    if (!pair) throw new YamlSubsetError(line, 'expected "key: value"');
    if (Object.hasOwn(out, pair.key)) throw new YamlSubsetError(line, `duplicate key ${pair.key}`);
    reader.advance(line);
    out[pair.key] = parseValue(reader, pair.rest, indent, line);
  }
  return out;
}

function parseSequence(reader: Reader, indent: number): unknown[] {
  const out: unknown[] = [];
  for (let line = reader.peek(); line && line.indent === indent && /^-(\s|$)/.test(line.text); line = reader.peek()) {
    reader.advance(line);
    const content = line.text.slice(1).trimStart();
    const contentIndent = indent + (line.text.length - content.length);
    if (content === '') {
      const next = reader.peek();
      out.push(next && next.indent > indent ? parseNode(reader, next.indent) : null);
    } else if (splitKey({ ...line, text: content })) {
      reader.pushBack({ indent: contentIndent, text: content, no: line.no });
      out.push(parseMapping(reader, contentIndent));
    } else {
      out.push(parseScalar(content, line));
    }
  }
  const stray = reader.peek();
  if (stray && stray.indent > indent) throw new YamlSubsetError(stray, 'unexpected indentation');
  return out;
}

function parseNode(reader: Reader, indent: number): unknown {
  const line = reader.peek();
  if (!line) return null;
  return /^-(\s|$)/.test(line.text) ? parseSequence(reader, indent) : parseMapping(reader, indent);
}

export function parseYamlSubset(source: string): unknown {
  const reader = new Reader(source.split(/\r?\n/));
  const first = reader.peek();
  if (!first) return null;
  if (first.indent !== 0) throw new YamlSubsetError(first, 'the document must start at column 0');
  const value = parseNode(reader, 0);
  const rest = reader.peek();
  if (rest) throw new YamlSubsetError(rest, 'unexpected content');
  return value;
}
