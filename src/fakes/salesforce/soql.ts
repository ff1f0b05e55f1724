// The small slice of SOQL the fake Salesforce understands: what the connector sends and no more.
// SELECT a, B.c FROM Obj [WHERE x = 'v' AND y IN ('a','b') AND z != null] [ORDER BY f [ASC|DESC]] [LIMIT n]
// Anything else (OR, sub-queries, functions, date literals) is refused as MALFORMED_QUERY, as an
// honest fake should: a connector that starts sending it must extend this parser on purpose.

export type SoqlValue = string | number | boolean | null;

export interface SoqlCondition {
  field: string;
  op: '=' | '!=' | 'IN' | 'NOT IN';
  values: SoqlValue[];
}

export interface SoqlQuery {
  fields: string[];
  object: string;
  where: SoqlCondition[];
  orderBy?: { field: string; descending: boolean };
  limit?: number;
}

export class SoqlError extends Error {
  constructor(
    readonly errorCode: 'MALFORMED_QUERY' | 'INVALID_FIELD' | 'INVALID_TYPE',
    message: string,
  ) {
    super(message);
  }
}

type Token = { kind: 'word'; text: string } | { kind: 'string'; text: string } | { kind: 'number'; value: number } | { kind: 'punct'; text: string };

function tokenize(soql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < soql.length) {
    const c = soql[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let text = '';
      i++;
      for (;;) {
        if (i >= soql.length) throw new SoqlError('MALFORMED_QUERY', 'unterminated string literal');
        const d = soql[i]!;
        if (d === '\\') {
          text += soql[i + 1] ?? '';
          i += 2;
        } else if (d === "'") {
          i++;
          break;
        } else {
          text += d;
          i++;
        }
      }
      tokens.push({ kind: 'string', text });
    } else if (c === '!' && soql[i + 1] === '=') {
      tokens.push({ kind: 'punct', text: '!=' });
      i += 2;
    } else if ('(),='.includes(c)) {
      tokens.push({ kind: 'punct', text: c });
      i++;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+/.exec(soql.slice(i))![0];
      tokens.push({ kind: 'number', value: Number(m) });
      i += m.length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(soql.slice(i))![0];
      tokens.push({ kind: 'word', text: m });
      i += m.length;
    } else {
      throw new SoqlError('MALFORMED_QUERY', `unexpected token: '${c}'`);
    }
  }
  return tokens;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }
  private isKeyword(word: string): boolean {
    const t = this.peek();
    return t?.kind === 'word' && t.text.toUpperCase() === word;
  }
  private expectKeyword(word: string): void {
    if (!this.isKeyword(word)) throw new SoqlError('MALFORMED_QUERY', `expecting '${word}', found '${describe(this.peek())}'`);
    this.i++;
  }
  private expectPunct(p: string): void {
    const t = this.peek();
    if (t?.kind !== 'punct' || t.text !== p) throw new SoqlError('MALFORMED_QUERY', `expecting '${p}', found '${describe(t)}'`);
    this.i++;
  }
  private identifier(): string {
    const t = this.peek();
    if (t?.kind !== 'word' || KEYWORDS.has(t.text.toUpperCase())) throw new SoqlError('MALFORMED_QUERY', `unexpected token: '${describe(t)}'`);
    this.i++;
    return t.text;
  }
  private value(): SoqlValue {
    const t = this.peek();
    this.i++;
    if (t?.kind === 'string') return t.text;
    if (t?.kind === 'number') return t.value;
    if (t?.kind === 'word') {
      const w = t.text.toLowerCase();
      if (w === 'true') return true;
      if (w === 'false') return false;
      if (w === 'null') return null;
    }
    throw new SoqlError('MALFORMED_QUERY', `unexpected token: '${describe(t)}'`);
  }

  parse(): SoqlQuery {
    this.expectKeyword('SELECT');
    const fields = [this.identifier()];
    while (this.peek()?.kind === 'punct' && (this.peek() as { text: string }).text === ',') {
      this.i++;
      fields.push(this.identifier());
    }
    this.expectKeyword('FROM');
    const object = this.identifier();
    const where: SoqlCondition[] = [];
    if (this.isKeyword('WHERE')) {
      this.i++;
      where.push(this.condition());
      while (this.isKeyword('AND')) {
        this.i++;
        where.push(this.condition());
      }
      if (this.isKeyword('OR')) throw new SoqlError('MALFORMED_QUERY', 'the fake Salesforce does not support OR');
    }
    let orderBy: SoqlQuery['orderBy'];
    if (this.isKeyword('ORDER')) {
      this.i++;
      this.expectKeyword('BY');
      const field = this.identifier();
      let descending = false;
      if (this.isKeyword('ASC')) this.i++;
      else if (this.isKeyword('DESC')) {
        this.i++;
        descending = true;
      }
      orderBy = { field, descending };
    }
    let limit: number | undefined;
    if (this.isKeyword('LIMIT')) {
      this.i++;
      const t = this.peek();
      if (t?.kind !== 'number') throw new SoqlError('MALFORMED_QUERY', `expecting a number after LIMIT, found '${describe(t)}'`);
      this.i++;
      limit = t.value;
    }
    if (this.peek()) throw new SoqlError('MALFORMED_QUERY', `unexpected token: '${describe(this.peek())}'`);
    return { fields, object, where, orderBy, limit };
  }

  private condition(): SoqlCondition {
    const field = this.identifier();
    const t = this.peek();
    if (t?.kind === 'punct' && (t.text === '=' || t.text === '!=')) {
      this.i++;
      return { field, op: t.text, values: [this.value()] };
    }
    let op: 'IN' | 'NOT IN' = 'IN';
    if (this.isKeyword('NOT')) {
      this.i++;
      op = 'NOT IN';
    }
    this.expectKeyword('IN');
    this.expectPunct('(');
    const values = [this.value()];
    while (this.peek()?.kind === 'punct' && (this.peek() as { text: string }).text === ',') {
      this.i++;
      values.push(this.value());
    }
    this.expectPunct(')');
    return { field, op, values };
  }
}

const KEYWORDS = new Set(['SELECT', 'FROM', 'WHERE', 'AND', 'OR', 'NOT', 'IN', 'ORDER', 'BY', 'ASC', 'DESC', 'LIMIT']);

function describe(t: Token | undefined): string {
  if (!t) return 'end of query';
  if (t.kind === 'number') return String(t.value);
  return t.text;
}

export function parseSoql(soql: string): SoqlQuery {
  return new Parser(tokenize(soql)).parse();
}
