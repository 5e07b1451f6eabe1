// Printed, a closed <details> (a hint, a long output) would lose its content: print.html
// opens every one as it loads, and any page opens them while it is printed (and closes
// again those it opened afterwards).
(() => {
    const closed = () => [...document.querySelectorAll('details:not([open])')];
    if (/\/print(\.html)?$/.test(location.pathname)) {
        for (const d of closed()) d.open = true;
    }
    let opened = [];
    window.addEventListener('beforeprint', () => {
        opened = closed();
        for (const d of opened) d.open = true;
    });
    window.addEventListener('afterprint', () => {
        for (const d of opened) d.open = false;
        opened = [];
    });
})();
