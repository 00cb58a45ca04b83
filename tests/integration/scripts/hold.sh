# POSIX sh (run by bash and by dash): checks that every variable named in
# $HOLD_NAMES holds exactly the value in $HOLD_DIR/<name>, exports each name in
# $HOLD_SET with the value from its file, checks that a child process sees all of
# them, prints "ready", waits for EOF on stdin and exits with $HOLD_EXIT. Prints
# names, never values.
for n in $HOLD_NAMES; do
    eval "isset=\${$n+yes}"
    eval "v=\${$n-}"
    want=
    IFS= read -r want <"$HOLD_DIR/$n" || :
    if [ "$isset" != yes ] || [ "$v" != "$want" ]; then
        echo "mismatch $n"
        exit 3
    fi
done
echo "values-ok"
for n in $HOLD_SET; do
    IFS= read -r v <"$HOLD_DIR/$n" || :
    eval "export $n=\"\$v\""
done
if /bin/sh "$HOLD_CHILD"; then echo "child-ok"; else echo "child-failed"; fi
echo "ready"
while IFS= read -r _line; do :; done
exit "$HOLD_EXIT"
