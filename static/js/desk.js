// Small improvements every page shares; each page works without them.
// A <select data-autosubmit> sends its form as soon as another option is chosen
// (pages keep a <noscript> button for browsers without JavaScript).
document.addEventListener("change", (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement && target.dataset.autosubmit !== undefined && target.form) {
    target.form.submit();
  }
});

// A <details data-close-narrow open> (the queue's filters) starts closed on a phone-sized
// screen; without JavaScript it stays open.
if (window.matchMedia("(max-width: 640px)").matches) {
  document.querySelectorAll("details[data-close-narrow][open]").forEach((d) => {
    const filled = Array.from(d.querySelectorAll("input:not([type=hidden]), select:not([name=sort])")).some((f) => f.value);
    if (!filled) d.open = false;
  });
}
