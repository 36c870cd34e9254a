import { describe, expect, it } from 'vitest';
import { OffsetStream } from '../../src/index';

function setup() {
  const seen: string[] = [];
  let reloads = 0;
  const stream = new OffsetStream<string>({ onEvent: (e) => seen.push(e), reload: () => reloads++ });
  return { stream, seen, reloads: () => reloads };
}

describe('OffsetStream (presence)', () => {
  it('holds publications while the state loads; those at or before its position are in it', () => {
    const { stream, seen } = setup();
    stream.receive('b', 11);
    stream.receive('a', 10);
    stream.receive('c', 12);
    expect(seen).toEqual([]);
    stream.anchor({ position: { offset: 10, epoch: 'x' } });
    expect(seen).toEqual(['b', 'c']);
    stream.receive('c', 12); // a repeat
    stream.receive('d', 13);
    expect(seen).toEqual(['b', 'c', 'd']);
  });

  it('a hole in the offsets, or a resubscribe, loads the state again and holds meanwhile', () => {
    const { stream, seen, reloads } = setup();
    stream.anchor({ position: { offset: 1, epoch: 'x' } });
    stream.receive('gap', 5);
    expect(reloads()).toBe(1);
    expect(stream.anchored).toBe(false);
    stream.anchor({ position: { offset: 4, epoch: 'x' } });
    expect(seen).toEqual(['gap']);
    stream.subscribed();
    expect(reloads()).toBe(2);
    stream.receive('held', 6);
    expect(seen).toEqual(['gap']);
    stream.anchor({ position: { offset: 5, epoch: 'x' } });
    expect(seen).toEqual(['gap', 'held']);
  });

  it('without a known position everything after the load applies', () => {
    const { stream, seen } = setup();
    stream.receive('a', undefined);
    stream.anchor({ position: null });
    stream.receive('b', 3);
    stream.receive('c', 4);
    expect(seen).toEqual(['a', 'b', 'c']);
  });
});
