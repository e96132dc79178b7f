// The time left in a timed sitting. Only a display: the server refuses a commit after the deadline.
(function () {
  "use strict";
  const clock = document.querySelector(".countdown[data-deadline]");
  if (!clock) return;
  const deadline = new Date(clock.dataset.deadline).getTime();
  const pad = (n) => String(n).padStart(2, "0");
  function tick() {
    const left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    const h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
    clock.textContent = left ? `${h ? h + ":" : ""}${pad(m)}:${pad(s)} left` : "Time is up";
    clock.classList.toggle("hurry", left < 120);
    if (left) setTimeout(tick, 1000);
  }
  tick();
})();
