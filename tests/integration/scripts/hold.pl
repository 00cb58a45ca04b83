# Checks that every variable named in $HOLD_NAMES holds exactly the value in
# $HOLD_DIR/<name>, sets each name in $HOLD_SET from its file through %ENV, checks
# that a child process sees all of them, prints "ready", waits for EOF on stdin
# and exits with $HOLD_EXIT. Prints names, never values.
use strict;
use warnings;

$| = 1;
my $dir = $ENV{HOLD_DIR};

sub expected {
    my ($name) = @_;
    open(my $fh, '<', "$dir/$name") or die "open $name: $!\n";
    local $/;
    my $want = <$fh>;
    close($fh);
    return $want;
}

for my $name (split ' ', $ENV{HOLD_NAMES}) {
    my $want = expected($name);
    if (!defined $ENV{$name} || $ENV{$name} ne $want) {
        print "mismatch $name\n";
        exit 3;
    }
}
print "values-ok\n";
$ENV{$_} = expected($_) for split ' ', ($ENV{HOLD_SET} // '');
print system('/bin/sh', $ENV{HOLD_CHILD}) == 0 ? "child-ok\n" : "child-failed\n";
print "ready\n";
1 while <STDIN>;
exit $ENV{HOLD_EXIT};
