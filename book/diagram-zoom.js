// A click on a diagram (or Enter on a focused one) shows it at its full size in an overlay
// that scrolls; a click, Escape or Enter closes it. Wide diagrams are scaled down to the
// text column on the page, so this is how a reader sees their small print (and how a
// phone shows a diagram at all).
(() => {
    let overlay = null;
    let opener = null;

    function close() {
        if (!overlay) return;
        overlay.remove();
        overlay = null;
        document.documentElement.style.overflow = '';
        if (opener) opener.focus({ preventScroll: true });
    }

    function open(pre) {
        const svg = pre.querySelector('svg');
        if (!svg || overlay) return;
        const box = svg.viewBox && svg.viewBox.baseVal;
        const copy = svg.cloneNode(true);
        copy.removeAttribute('style');
        if (box && box.width) {
            copy.setAttribute('width', box.width);
            copy.setAttribute('height', box.height);
        }
        overlay = document.createElement('div');
        overlay.className = 'diagram-overlay';
        overlay.setAttribute('role', 'dialog');
        overlay.setAttribute('aria-label', 'The diagram at full size');
        overlay.tabIndex = -1;
        const hint = document.createElement('p');
        hint.className = 'diagram-overlay-hint';
        hint.textContent = 'Full size: click or press Esc to close';
        overlay.append(hint, copy);
        overlay.addEventListener('click', close);
        document.body.append(overlay);
        document.documentElement.style.overflow = 'hidden';
        opener = pre;
        overlay.focus({ preventScroll: true });
    }

    for (const pre of document.querySelectorAll('pre.mermaid')) {
        pre.tabIndex = 0;
        pre.title = 'Click to open the diagram at full size';
    }
    document.addEventListener('click', (event) => {
        const pre = event.target.closest && event.target.closest('pre.mermaid');
        if (pre && !event.target.closest('a') && pre.querySelector('svg')) open(pre);
    });
    document.addEventListener('keydown', (event) => {
        if (overlay && (event.key === 'Escape' || event.key === 'Enter')) {
            event.preventDefault();
            event.stopPropagation();
            close();
        } else if (!overlay && event.key === 'Enter' && document.activeElement
            && document.activeElement.matches('pre.mermaid')) {
            event.preventDefault();
            open(document.activeElement);
        }
    }, true);
})();
