/** Definition texts built to exhaust a parser, shared by the unit and integration suites. */

/** The classic "billion laughs": each level references the previous one nine times. */
export const ALIAS_BOMB = [
  'name: laughs',
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].map(
    (level, i) => `${level}: &${level} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`,
  ),
  'steps: [{ id: s, activity: echo, input: *i }]',
].join('\n');

/** JSON nested `levels` lists deep (as text: JSON.stringify itself overflows on such values). */
export function deepJsonList(levels: number): string {
  return '['.repeat(levels) + ']'.repeat(levels);
}

/** A JSON definition whose step input is nested `levels` lists deep. */
export function deepDefinitionJson(levels: number): string {
  return `{"name":"deep","steps":[{"id":"a","activity":"echo","input":${deepJsonList(levels)}}]}`;
}
