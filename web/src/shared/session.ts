import { onMounted, onUnmounted, ref } from 'vue';
import { auth, type Session } from './auth';
import { onSignedOut } from './api';

/**
 * The signed-in person of a page (desk, console): read once on mount (`loaded` then turns true), cleared by
 * `signOut()` and whenever the API reports the session ended.
 */
export function useSession() {
  const session = ref<Session>();
  const loaded = ref(false);
  async function signOut(): Promise<void> {
    await auth.signOut();
    session.value = undefined;
  }
  onMounted(async () => {
    session.value = await auth.current();
    loaded.value = true;
  });
  const off = onSignedOut(() => void signOut());
  onUnmounted(off);
  return { session, loaded, signOut };
}
