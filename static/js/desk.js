// Small improvements every page shares; each page works without them.
// A <select data-autosubmit> sends its form as soon as another option is chosen
// (pages keep a <noscript> button for browsers without JavaScript).
document.addEventListener("change", (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement && target.dataset.autosubmit !== undefined && target.form) {
    target.form.submit();
  }
});
