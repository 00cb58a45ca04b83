# Self instructions per function in a callgrind profile, one line per function:
#   cost <TAB> object <TAB> function
# Names are compressed in the profile ("fn=(7) name" once, then "fn=(7)"); the cost
# line after a "calls=" line is the callee's inclusive cost and is not counted.
function name(kind, s,   id, rest) {
    if (match(s, /^\([0-9]+\)/)) {
        id = substr(s, 2, RLENGTH - 2)
        rest = substr(s, RLENGTH + 2)
        if (rest != "")
            names[kind, id] = rest
        return names[kind, id]
    }
    return s
}
/^ob=/   { ob = name("ob", substr($0, 4)); next }
/^cob=/  { name("ob", substr($0, 5)); next }
/^fn=/   { fn = name("fn", substr($0, 4)); next }
/^cfn=/  { name("fn", substr($0, 5)); next }
/^calls=/ { callee_cost = 1; next }
/^[0-9+*-]/ {
    if (callee_cost) { callee_cost = 0; next }
    if (NF >= 2) cost[ob "\t" fn] += $2
    next
}
END { for (k in cost) printf "%d\t%s\n", cost[k], k }
