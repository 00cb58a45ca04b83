# Run as a child of a program under test: exits 0 when every variable named in
# $HOLD_NAMES (given to the program) and $HOLD_SET (set by the program itself) is
# set to exactly the contents of $HOLD_DIR/<name>, proving that the program passed
# its environment on to the processes it starts. Prints names only.
for n in $HOLD_NAMES $HOLD_SET; do
    eval "isset=\${$n+yes}"
    eval "v=\${$n-}"
    want=
    IFS= read -r want <"$HOLD_DIR/$n" || :
    if [ "$isset" != yes ] || [ "$v" != "$want" ]; then
        echo "child mismatch $n" >&2
        exit 1
    fi
done
exit 0
