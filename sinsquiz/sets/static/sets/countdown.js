// The time left in a timed sitting. Only a display: the server refuses a commit after the deadline. It counts from
// the seconds left by the server's clock when the page was made: a device's own clock may be minutes out.
(function () {
  "use strict";
  const clock = document.querySelector(".countdown[data-left]");
  if (!clock) return;
  const deadline = Date.now() + Number(clock.dataset.left) * 1000;
  const pad = (n) => String(n).padStart(2, "0");
  // The clock itself is silent (a reading every second would drown a screen reader); these moments are said.
  const announcer = document.createElement("span");
  announcer.className = "visually-hidden";
  announcer.setAttribute("aria-live", "assertive");
  clock.after(announcer);
  const warnings = [[300, "5 minutes left"], [60, "1 minute left"], [0, "Time is up"]];
  let warned = warnings.findIndex(([at]) => (deadline - Date.now()) / 1000 > at);
  if (warned < 0) warned = warnings.length;

  function tick() {
    const left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    const h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
    clock.textContent = left ? `${h ? h + ":" : ""}${pad(m)}:${pad(s)} left` : "Time is up";
    clock.classList.toggle("hurry", left < 120);
    while (warned < warnings.length && left <= warnings[warned][0]) announcer.textContent = warnings[warned++][1];
    if (left) setTimeout(tick, 1000);
  }
  tick();

  // Scrolled down to the last items, the trainee still sees the clock. Once its bar is out of view it moves into
  // the top bar where that stays in view and has room (covering nothing); where the top bar would have to grow
  // (which moves the page, and the bar back into view) it floats just under it; where the top bar scrolls away
  // (a phone) it floats as a strip across the top of the screen.
  const bar = clock.closest(".sitting-bar");
  const topbar = document.querySelector(".topbar");
  const sticky = topbar && getComputedStyle(topbar).position === "sticky";
  function place(inView) {
    clock.classList.remove("docked", "floating");
    clock.style.top = "";
    if (!bar.contains(clock)) announcer.before(clock);
    if (inView) return;
    if (sticky) {
      const height = topbar.offsetHeight;
      topbar.querySelector(".who")?.before(clock);
      clock.classList.add("docked");
      if (topbar.offsetHeight === height) return;
      announcer.before(clock);
      clock.classList.remove("docked");
      clock.style.top = `${topbar.getBoundingClientRect().bottom}px`;
    }
    clock.classList.add("floating");
  }
  if (bar && "IntersectionObserver" in window) {
    // Behind the sticky top bar counts as out of view.
    const under = sticky ? `-${topbar.offsetHeight}px 0px 0px 0px` : "0px";
    new IntersectionObserver(([entry]) => place(entry.isIntersecting), { rootMargin: under }).observe(bar);
  }
})();
