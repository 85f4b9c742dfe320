import type { Frame } from './call-tree.js';

/**
 * V8's pseudo-frames: no script, a name in parentheses. They are not functions anyone can
 * optimise; each analysis treats them in its own way, through these predicates.
 */
export const ROOT_FRAME = '(root)';
export const IDLE_FRAME = '(idle)';
export const PROGRAM_FRAME = '(program)';
export const GC_FRAME = '(garbage collector)';

const PSEUDO_FRAMES = new Set([ROOT_FRAME, IDLE_FRAME, PROGRAM_FRAME, GC_FRAME]);

const is = (frame: Frame, name: string) => frame.file === '' && frame.name === name;

export function isPseudoFrame(frame: Frame): boolean {
  return frame.file === '' && PSEUDO_FRAMES.has(frame.name);
}

/** The thread waited. */
export function isIdleFrame(frame: Frame): boolean {
  return is(frame, IDLE_FRAME);
}

/** A garbage-collection pause, inside whatever JavaScript was on the stack. */
export function isGcFrame(frame: Frame): boolean {
  return is(frame, GC_FRAME);
}

/**
 * No JavaScript on the stack: the thread waited (idle) or ran the event loop's own native
 * code between callbacks (program).
 */
export function isOutsideJs(frame: Frame): boolean {
  return is(frame, IDLE_FRAME) || is(frame, PROGRAM_FRAME);
}
