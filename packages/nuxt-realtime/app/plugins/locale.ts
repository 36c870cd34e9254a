// Keeps <html lang> in step with the chosen locale: screen readers and the browser's own date and
// number widgets read it.
export default defineNuxtPlugin(() => {
  const { locale } = useT();
  useHead({ htmlAttrs: { lang: locale } });
});
