"""Runs a command with a new pseudo-terminal as its controlling terminal; driven by test/helpers/pty.ts.

usage: pty-host.py tty|pipes COLUMNS ROWS -- command [args...]
  tty:   the command's stdin, stdout and stderr are the terminal.
  pipes: they are this program's own stdin/stdout/stderr (pipes from the test), as when the AWS CLI runs a
         credential_process; the terminal is reachable only by opening /dev/tty.
fd 3 (write): everything the command writes to the terminal, including the terminal's echo.
fd 4 (read):  keystrokes: written to the terminal as if typed.
Exits with the command's exit status, or dies of the signal that killed it.
"""
import ctypes, errno, fcntl, os, select, signal, struct, subprocess, sys, termios

PR_SET_PDEATHSIG = 1
try:  # the test process may die without killing us: then go too (the command gets SIGHUP from the terminal)
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
except (OSError, AttributeError):
    pass

mode, cols, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
argv = sys.argv[sys.argv.index('--') + 1:]
TERM_OUT, TERM_IN = 3, 4

master, slave = os.openpty()
fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))


def take_terminal():  # runs in the child after setsid(): the pty becomes its controlling terminal
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)


stdio = {} if mode == 'pipes' else {'stdin': slave, 'stdout': slave, 'stderr': slave}
proc = subprocess.Popen(argv, start_new_session=True, preexec_fn=take_terminal, **stdio)
# Keep `slave` open here: the command may open /dev/tty only later, and the master reports EIO while no one
# holds the terminal open.


def forward(signum, _frame):
    try:
        os.killpg(proc.pid, signum)
    except ProcessLookupError:
        pass


for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(s, forward)


def write_all(fd, data):
    while data:
        try:
            data = data[os.write(fd, data):]
        except InterruptedError:
            pass


def pump(timeout):
    """Moves what is ready between the terminal and the test; False once the test closed its input."""
    global reading_input
    watched = [master] + ([TERM_IN] if reading_input else [])
    try:
        ready, _, _ = select.select(watched, [], [], timeout)
    except InterruptedError:
        return False
    moved = False
    if master in ready:
        try:
            data = os.read(master, 65536)
        except OSError as e:
            if e.errno != errno.EIO:
                raise
            data = b''
        if data:
            write_all(TERM_OUT, data)
            moved = True
    if TERM_IN in ready:
        data = os.read(TERM_IN, 65536)
        if data:
            write_all(master, data)
        else:
            reading_input = False
    return moved


reading_input = True
while proc.poll() is None:
    pump(0.02)
# The command is gone: pass on what it wrote last.
while pump(0.05):
    pass
os.close(TERM_OUT)

code = proc.returncode
if code < 0:
    signal.signal(-code, signal.SIG_DFL)
    os.kill(os.getpid(), -code)
sys.exit(code)
