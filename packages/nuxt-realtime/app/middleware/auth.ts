/**
 * Named middleware `auth`: pages that need a login declare `definePageMeta({ middleware: 'auth' })`.
 * The first page of a visit asks the token provider for a session (the OIDC server's cookie, the host
 * app's identity); without one, the visitor goes to the login with the original destination, so the
 * login can send them back to it.
 */
export default defineNuxtRouteMiddleware(async (to) => {
  const { restore, loginPath } = useAuth();
  if (await restore()) return;
  return navigateTo({ path: loginPath.value, query: to.fullPath === '/' ? {} : { redirect: to.fullPath } });
});
