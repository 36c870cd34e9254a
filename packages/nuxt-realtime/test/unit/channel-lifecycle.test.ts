import { describe, expect, it } from 'vitest';
import { effectScope, nextTick, ref } from 'vue';
import { useChannelLifecycle } from '../../app/utils/channel-lifecycle';

/** Runs the lifecycle in its own scope, writing each attach and detach to a log. */
function start(initial: string) {
  const name = ref(initial);
  const log: string[] = [];
  let attached: string | null = null;
  const scope = effectScope();
  scope.run(() =>
    useChannelLifecycle(
      name,
      (n) => {
        attached = n;
        log.push(`attach ${n}`);
      },
      () => {
        // What the real detach functions do: nothing when nothing is attached.
        if (attached === null) return;
        log.push(`detach ${attached}`);
        attached = null;
      },
    ),
  );
  return { name, log, scope };
}

describe('useChannelLifecycle', () => {
  it('attaches the named channel at once, and detaches it when the scope ends', () => {
    const { log, scope } = start('alerts:acme');
    expect(log).toEqual(['attach alerts:acme']);
    scope.stop();
    expect(log).toEqual(['attach alerts:acme', 'detach alerts:acme']);
  });

  it('an empty name attaches nothing until a name comes', async () => {
    const { name, log, scope } = start('');
    expect(log).toEqual([]);
    name.value = 'alerts:acme';
    await nextTick();
    expect(log).toEqual(['attach alerts:acme']);
    scope.stop();
  });

  it('a name change releases the old channel before taking the new one; back to empty releases it', async () => {
    const { name, log, scope } = start('alerts:acme');
    name.value = 'alerts:globex';
    await nextTick();
    expect(log).toEqual(['attach alerts:acme', 'detach alerts:acme', 'attach alerts:globex']);
    name.value = '';
    await nextTick();
    expect(log).toEqual(['attach alerts:acme', 'detach alerts:acme', 'attach alerts:globex', 'detach alerts:globex']);
    scope.stop();
    expect(log).toHaveLength(4);
  });
});
