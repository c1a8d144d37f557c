import { onMounted, onUnmounted } from 'vue';

/**
 * Function-key shortcuts that work wherever the focus is, the intake form's fields included (agents type while they
 * talk): F1 ready / end wrap-up, F2 pause, F3 answer, F4 hang up, F6 hold, F7 mute, F8 the knowledge base.
 */
export function useShortcuts(keys: Record<string, () => unknown>): void {
  const handler = (e: KeyboardEvent) => {
    const action = keys[e.key];
    if (!action || e.altKey || e.ctrlKey || e.metaKey) return;
    e.preventDefault();
    action();
  };
  onMounted(() => window.addEventListener('keydown', handler));
  onUnmounted(() => window.removeEventListener('keydown', handler));
}
