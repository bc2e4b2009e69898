import { ConfigError } from "./errors";

/**
 * Split an override set such as `train model=gnn 'data.name="a b"'` into words, honouring
 * single and double quotes the way a shell would (quotes are removed, backslash escapes
 * the next character outside single quotes).
 */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === "\\" && quote === '"' && i + 1 < text.length) word += text[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === "\\" && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new ConfigError(`Unterminated ${quote} quote in ${JSON.stringify(text)}`);
  if (inWord) words.push(word);
  return words;
}
