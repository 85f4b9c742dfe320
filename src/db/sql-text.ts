/**
 * A statement's text with its literals removed: strings (standard, E'' and dollar-quoted)
 * and numbers become `?`, comments go, whitespace is collapsed, and a list of literals such
 * as `IN (1, 2, 3)` becomes `IN (?, ...)`. Reports name statements by this text, so that no
 * user data reaches them and the same statement with other values is counted as one.
 * Parameters (`$1`) and quoted identifiers are kept as written.
 */
export function normalizeSql(text: string): string {
  return tidy(replaceLiterals(text, () => '?')).replace(/\(\?(?:, \?)+\)/g, '(?, ...)');
}

/**
 * The statement with each literal replaced by a parameter numbered after those it already
 * has (`WHERE owner = 'bob' AND id = $1` becomes `WHERE owner = $2 AND id = $1`): text that
 * can be prepared and explained with any values, and that holds none of the user's.
 */
export function parameterizeSql(text: string): string {
  let next = [...text.matchAll(/\$(\d+)/g)].reduce((most, m) => Math.max(most, Number(m[1])), 0);
  return tidy(replaceLiterals(text, () => `$${++next}`));
}

function tidy(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .replace(/\(\s/g, '(')
    .replace(/\s\)/g, ')')
    .replace(/\s?,\s?/g, ', ')
    .replace(/[\s;]+$/, '')
    .trim();
}

/** Comments out, each literal replaced by `placeholder()`; the rest as written. */
function replaceLiterals(text: string, placeholder: () => string): string {
  let out = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === '-' && next === '-') {
      while (i < n && text[i] !== '\n') i++;
      out += ' ';
      continue;
    }
    if (c === '/' && next === '*') {
      // PostgreSQL's block comments nest.
      let depth = 0;
      do {
        if (text[i] === '/' && text[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (text[i] === '*' && text[i + 1] === '/') {
          depth--;
          i += 2;
        } else {
          i++;
        }
      } while (i < n && depth > 0);
      out += ' ';
      continue;
    }
    if (c === "'" || ((c === 'E' || c === 'e') && next === "'" && !isIdentChar(text[i - 1]))) {
      const escapes = c !== "'";
      i += escapes ? 2 : 1;
      while (i < n) {
        if (escapes && text[i] === '\\') {
          i += 2;
        } else if (text[i] === "'") {
          if (text[i + 1] === "'") i += 2;
          else break;
        } else {
          i++;
        }
      }
      i++;
      out += placeholder();
      continue;
    }
    if (c === '$') {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(i, i + 64));
      if (tag !== null) {
        const close = text.indexOf(tag[0], i + tag[0].length);
        i = close === -1 ? n : close + tag[0].length;
        out += placeholder();
        continue;
      }
      const param = /^\$\d+/.exec(text.slice(i, i + 12));
      if (param !== null) {
        out += param[0];
        i += param[0].length;
        continue;
      }
    }
    if (c === '"') {
      const close = text.indexOf('"', i + 1);
      const end = close === -1 ? n : close + 1;
      out += text.slice(i, end);
      i = end;
      continue;
    }
    if (isDigit(c) || (c === '.' && isDigit(next))) {
      if (!isIdentChar(text[i - 1])) {
        // PostgreSQL 16 also reads 0x1F, 0o17, 0b101 and 1_000_000.
        const number =
          /^(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|[\d_]+\.?[\d_]*|\.[\d_]+)(?:[eE][+-]?\d+)?/.exec(
            text.slice(i, i + 128),
          )!;
        i += number[0].length;
        out += placeholder();
        continue;
      }
    }
    if (isIdentChar(c)) {
      let end = i + 1;
      while (end < n && isIdentChar(text[end])) end++;
      out += text.slice(i, end);
      i = end;
      continue;
    }
    out += /\s/.test(c) ? ' ' : c;
    i++;
  }
  return out;
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function isIdentChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_$\u0080-\uffff]/.test(c);
}
