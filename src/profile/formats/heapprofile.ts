import {
  CallTreeBuilder,
  nonEmpty,
  parseProfileJson,
  profileError,
  type CallTree,
} from '../call-tree.js';

const EXPECTED = 'a V8 .heapprofile';

/** Reads the text of a V8 sampling heap profile (node --heap-prof) into a call tree of bytes. */
export function parseHeapProfile(text: string, source: string): CallTree {
  return heapProfileToTree(parseProfileJson(text, source, EXPECTED), source);
}

interface Pending {
  value: unknown;
  /** Tree node of the parent; -1 for a root. */
  parent: number;
  /** For messages: the parent entry and this node's index among its children. */
  up: Pending | null;
  index: number;
}

/**
 * `head` is the tree of allocation sites: callFrame {functionName, url, lineNumber,
 * columnNumber} (V8's 0-based positions), selfSize (bytes still allocated there when the
 * profile was taken) and children. The `samples` list (one entry per sampled allocation) adds
 * nothing the tree lacks and is not read. As with .cpuprofile, the (root) node is dropped.
 */
export function heapProfileToTree(json: unknown, source: string): CallTree {
  const fail = (problem: string) => profileError(source, EXPECTED, problem);
  if (!isObject(json) || !isObject(json.head)) throw fail('it has no `head` node');
  const builder = new CallTreeBuilder({
    format: 'heapprofile',
    source,
    kind: 'heap',
    unit: 'bytes',
  });
  const pending: Pending[] = [{ value: json.head, parent: -1, up: null, index: 0 }];
  for (let entry = pending.pop(); entry !== undefined; entry = pending.pop()) {
    const where = (field: string) => `${pathOf(entry!)}${field}`;
    const node = entry.value;
    if (!isObject(node)) throw fail(`${pathOf(entry)} is not an object`);
    const frame = node.callFrame;
    if (!isObject(frame) || typeof frame.functionName !== 'string') {
      throw fail(`${where('.callFrame.functionName')} is missing or not a string`);
    }
    const url = typeof frame.url === 'string' ? frame.url : '';
    const selfSize = node.selfSize ?? 0;
    if (typeof selfSize !== 'number' || !Number.isFinite(selfSize) || selfSize < 0) {
      throw fail(`${where('.selfSize')} is not a size in bytes`);
    }
    const children = node.children ?? [];
    if (!Array.isArray(children)) throw fail(`${where('.children')} is not an array`);
    const isRoot = entry.up === null && frame.functionName === '(root)' && url === '';
    let treeNode = entry.parent;
    if (!isRoot || selfSize > 0) {
      treeNode = builder.child(
        entry.parent,
        builder.frame({
          name: frame.functionName,
          file: url,
          line: numberOr(frame.lineNumber, -1) + 1,
          column: numberOr(frame.columnNumber, -1) + 1,
        }),
      );
      builder.addSelf(treeNode, selfSize);
    }
    // The (root) node kept for its own bytes must not become its children's parent.
    const parent = isRoot ? -1 : treeNode;
    for (let i = children.length - 1; i >= 0; i--) {
      pending.push({ value: children[i], parent, up: entry, index: i });
    }
  }
  return nonEmpty(builder.build(), EXPECTED);
}

function pathOf(entry: Pending): string {
  const parts: string[] = [];
  for (let at: Pending | null = entry; at !== null; at = at.up) {
    parts.push(at.up === null ? 'head' : `.children[${at.index}]`);
  }
  return parts.reverse().join('');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}
