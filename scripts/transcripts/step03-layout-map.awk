# Draws each layout printed by `step03-codec layout` as a map of 8-byte rows: one cell a
# byte, a field's name in its first cell, long fields shortened to their first and last rows.
# Used by step03-layout.sh; the numbers are the compiler's, never typed by hand.
function flush_type(    i, f, off, size, end_, row, first, last, r, label, col, line, span, w) {
    if (type == "") return
    printf "%s (%d bytes)\n", type, tsize
    printf "offset  "
    for (i = 0; i < 7; i++) printf "+%-8d", i
    printf "+7\n"
    # Fill a byte -> field index map, then print row by row.
    delete owner
    for (f = 1; f <= nf; f++) for (i = foff[f]; i < foff[f] + fsize[f]; i++) owner[i] = f
    r = 0
    while (r * 8 < tsize) {
        # A row entirely inside one field that started on an earlier row.
        f = owner[r * 8]
        if (f != "" && foff[f] < r * 8 && foff[f] + fsize[f] >= (r + 1) * 8) {
            last = int((foff[f] + fsize[f] - 1) / 8)
            if (last - r >= 2) {
                printf "%6s  |%-71s|\n", "...", ""
                r = last
            }
            printf "%6d  |%-71s|\n", r * 8, ""
            r++
            continue
        }
        line = ""
        i = r * 8
        while (i < (r + 1) * 8 && i < tsize) {
            f = owner[i]
            span = 0
            while (i + span < (r + 1) * 8 && i + span < tsize && owner[i + span] == f) span++
            w = 9 * span - 1
            if (f == "") label = "(padding)"
            else if (foff[f] == i) label = (fsize[f] > 8 ? sprintf("%s (%d bytes)", fname[f], fsize[f]) : fname[f])
            else label = ""
            line = line "|" sprintf("%-" w "s", substr(label, 1, w))
            i += span
        }
        printf "%6d  %s|\n", r * 8, line
        r++
    }
    printf "%6d  end\n\n", tsize
    type = ""
}
/^[A-Za-z]/ {
    flush_type()
    type = $1
    tsize = substr($2, 2) + 0
    nf = 0
    next
}
/^ +[0-9]/ {
    nf++
    foff[nf] = $1 + 0
    fsize[nf] = $2 + 0
    fname[nf] = $3
}
END { flush_type() }
