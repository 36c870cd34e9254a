/**
 * Named middleware `auth`: pages that need a login declare `definePageMeta({ middleware: 'auth' })`.
 * The original destination rides along, so the login can send the user back to it.
 */
export default defineNuxtRouteMiddleware((to) => {
  const { isLoggedIn } = useAuth();
  if (isLoggedIn.value) return;
  return navigateTo({ path: '/login', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } });
});
