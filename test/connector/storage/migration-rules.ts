/**
 * The expand-only rules for migrations after a release (see the comment at the top of
 * connector/src/storage/migrations.ts): what an older replica still running on the new schema
 * survives. A reading of the SQL text, deliberately strict: a statement it refuses by mistake is
 * rewritten or exempted by name in the test with the reason, never waved through by a looser rule.
 */

export interface RuleViolation {
  rule: string;
  excerpt: string;
}

/** Tables created by `sql` (`CREATE TABLE [IF NOT EXISTS] name`). */
export function tablesCreatedBy(sql: string): string[] {
  return [...withoutComments(sql).matchAll(/\bCREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?"?(\w+)"?/gi)].map((m) => m[1]!.toLowerCase());
}

function withoutComments(sql: string): string {
  return sql.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/--[^\n]*/g, ' ');
}

/** The statements of `sql`, split at semicolons outside dollar-quoted bodies. */
function statements(sql: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quote: string | null = null;
  for (let i = 0; i < sql.length; i += 1) {
    const tag = /^\$\w*\$/.exec(sql.slice(i))?.[0];
    if (tag !== undefined && (quote === null || quote === tag)) {
      quote = quote === null ? tag : null;
      current += tag;
      i += tag.length - 1;
    } else if (sql[i] === ';' && quote === null) {
      parts.push(current);
      current = '';
    } else {
      current += sql[i];
    }
  }
  parts.push(current);
  return parts.map((s) => s.replace(/\s+/g, ' ').trim()).filter((s) => s !== '');
}

const TABLE = String.raw`(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?"?(\w+)"?`;

/**
 * Where `sql` breaks the expand-only rules, given the tables that existed before it (those an older
 * replica reads and writes). Tables the same migration creates are new and may be shaped freely.
 */
export function expandViolations(sql: string, existingTables: ReadonlySet<string>): RuleViolation[] {
  const violations: RuleViolation[] = [];
  const text = withoutComments(sql);
  const created = new Set(tablesCreatedBy(text));
  const existing = (name: string | undefined): boolean => name !== undefined && existingTables.has(name.toLowerCase()) && !created.has(name.toLowerCase());
  for (const statement of statements(text)) {
    const flag = (rule: string): void => {
      violations.push({ rule, excerpt: statement.slice(0, 120) });
    };
    const upper = statement.toUpperCase();
    if (/\bDROP\b/.test(upper)) flag('drops something an older replica may still use (contract it in a later release)');
    if (/\bRENAME\b/.test(upper)) flag('renames: an older replica still uses the old name');
    if (/\bALTER\s+COLUMN\b[^,]*\bTYPE\b/.test(upper) || /\bSET\s+DATA\s+TYPE\b/.test(upper)) flag('changes a column type');
    if (/\bSET\s+NOT\s+NULL\b/.test(upper)) flag('makes a column NOT NULL: an older replica does not write it');
    if (/^TRUNCATE\b/.test(upper)) flag('truncates a table');

    const alter = new RegExp(String.raw`^ALTER\s+TABLE\s+${TABLE}\s+(.*)$`, 'i').exec(statement);
    if (alter && existing(alter[1])) {
      const actions = alter[2]!;
      for (const column of actions.split(/,(?![^()]*\))/)) {
        const add = /^\s*ADD\s+(?:COLUMN\s+)?(?!CONSTRAINT\b|PRIMARY\b|UNIQUE\b|CHECK\b|FOREIGN\b)(.*)$/i.exec(column);
        if (add && /\bNOT\s+NULL\b/i.test(add[1]!) && !/\bDEFAULT\b/i.test(add[1]!)) {
          flag('adds a NOT NULL column without a default: an older replica inserts rows without it');
        }
        if (/^\s*ADD\s+(CONSTRAINT|PRIMARY\s+KEY|UNIQUE|CHECK|FOREIGN\s+KEY|EXCLUDE)\b/i.test(column)) {
          flag('adds a constraint to an existing table: an older replica may write rows that break it');
        }
      }
    }
    const unique = new RegExp(String.raw`^CREATE\s+UNIQUE\s+INDEX\b.*?\bON\s+${TABLE}`, 'i').exec(statement);
    if (unique && existing(unique[1])) flag('adds a unique index to an existing table: an older replica may insert duplicates');
    const remove = new RegExp(String.raw`^DELETE\s+FROM\s+${TABLE}`, 'i').exec(statement);
    if (remove && existing(remove[1])) flag('deletes rows an older replica may still read');
    const trigger = new RegExp(String.raw`^CREATE\s+(?:OR\s+REPLACE\s+)?(?:CONSTRAINT\s+)?TRIGGER\b.*?\bON\s+${TABLE}`, 'i').exec(statement);
    if (trigger && existing(trigger[1])) flag('adds a trigger to an existing table: it must never refuse an older replica\'s write (exempt it by name, with why)');
  }
  return violations;
}
