/* Load driver for the RPC benchmark (bench/rpc/run compiles it with gcc -O2).
 *
 *   driver run     --framing ndjson|lsp [--warmup N] [--seq N] [--batch N] [--reps N]
 *                  [--log FILE] [--timeout S]  (-- CMD ARGS... | --tcp HOST:PORT [--pid PID])
 *   driver startup --framing ndjson|lsp [--runs N] [--log FILE] [--timeout S] -- CMD ARGS...
 *
 * `run` sends `session.info` one at a time (--seq round trips after --warmup),
 * then pipelined (--reps batches of --batch requests, after 2 warm-up batches),
 * then reads the server's VmHWM. `startup` spawns the server --runs times and
 * times spawn -> first reply. Figures are printed as one JSON object on stdout.
 * Replies are counted as complete frames ('\n' for ndjson, Content-Length
 * headers for lsp); a reply without "result" counts as a failure.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

typedef struct {
    int rfd, wfd, is_sock;
    pid_t pid;     /* spawned child, or -1 */
    char *buf;     /* unparsed reply bytes */
    size_t cap, len;
    long failures; /* replies without "result" */
} conn_t;

static int lsp;               /* 1: Content-Length framing, 0: NDJSON */
static long next_id = 1;      /* ids 1..N over the whole invocation */
static const char *log_path = "/dev/null";
static pid_t child = -1;

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "driver: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    if (child > 0) kill(child, SIGKILL);
    _exit(2); /* no partial JSON on stdout */
}

static void on_alarm(int sig) {
    (void)sig;
    static const char msg[] = "driver: timed out\n";
    if (write(2, msg, sizeof msg - 1) < 0) {}
    if (child > 0) kill(child, SIGKILL);
    _exit(3);
}

/* Append one session.info request to out; returns its length. */
static size_t format_request(char *out) {
    char body[128];
    int n = snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"id\":%ld,\"method\":\"session.info\"}", next_id++);
    if (lsp) return (size_t)sprintf(out, "Content-Length: %d\r\n\r\n%s", n, body);
    return (size_t)sprintf(out, "%s\n", body);
}

/* If a complete frame starts at p (avail bytes), return bytes it spans and set
 * body and blen (blen 0 = blank line, not a reply); return 0 if incomplete. */
static size_t parse_frame(const char *p, size_t avail, const char **body, size_t *blen) {
    if (!lsp) {
        const char *nl = memchr(p, '\n', avail);
        if (!nl) return 0;
        size_t k = 0, n = (size_t)(nl - p);
        while (k < n && (p[k] == ' ' || p[k] == '\t' || p[k] == '\r')) k++;
        *body = p;
        *blen = k == n ? 0 : n;
        return n + 1;
    }
    const char *end = memmem(p, avail, "\r\n\r\n", 4);
    if (!end) return 0;
    long cl = -1;
    for (const char *line = p; line < end;) {
        const char *eol = memmem(line, (size_t)(end - line) + 2, "\r\n", 2);
        if ((size_t)(eol - line) > 15 && strncasecmp(line, "Content-Length:", 15) == 0) cl = strtol(line + 15, NULL, 10);
        line = eol + 2;
    }
    if (cl < 0) die("reply header without Content-Length: %.*s", (int)(end - p), p);
    size_t hdr = (size_t)(end - p) + 4;
    if (avail < hdr + (size_t)cl) return 0;
    *body = p + hdr;
    *blen = (size_t)cl;
    return hdr + (size_t)cl;
}

static ssize_t do_write(conn_t *c, const char *p, size_t n) {
    if (c->is_sock) return send(c->wfd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL);
    return write(c->wfd, p, n); /* wfd is O_NONBLOCK */
}

/* Write req (holding `expect` requests) and read until `expect` replies have
 * arrived. lat[i] = arrival time of reply i minus t0 (ns), if lat != NULL. */
static void exchange(conn_t *c, const char *req, size_t reqlen, long expect, double t0, double *lat) {
    size_t off = 0;
    long got = 0;
    while (got < expect) {
        if (off < reqlen) {
            ssize_t w = do_write(c, req + off, reqlen - off);
            if (w > 0) off += (size_t)w;
            else if (w < 0 && errno != EAGAIN && errno != EINTR) die("write: %s", strerror(errno));
            if (off < reqlen) { /* output full: wait for room or for replies */
                struct pollfd pf[2] = {{c->rfd, POLLIN, 0}, {c->wfd, POLLOUT, 0}};
                int np = 2;
                if (c->rfd == c->wfd) { pf[0].events |= POLLOUT; np = 1; }
                if (poll(pf, np, -1) < 0 && errno != EINTR) die("poll: %s", strerror(errno));
                if (!(pf[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            }
        }
        if (c->cap - c->len < 65536) {
            c->cap *= 2;
            if (!(c->buf = realloc(c->buf, c->cap))) die("out of memory");
        }
        ssize_t r = read(c->rfd, c->buf + c->len, c->cap - c->len);
        if (r == 0) die("server closed its output after %ld of %ld replies", got, expect);
        if (r < 0) {
            if (errno == EINTR) continue;
            die("read: %s", strerror(errno));
        }
        double t = now_ns();
        c->len += (size_t)r;
        size_t pos = 0, used;
        const char *body;
        size_t blen;
        while ((used = parse_frame(c->buf + pos, c->len - pos, &body, &blen)) > 0) {
            pos += used;
            if (blen == 0) continue;
            if (got >= expect) die("more replies than requests");
            if (!memmem(body, blen, "\"result\"", 8)) {
                if (c->failures++ < 3) fprintf(stderr, "driver: reply without result: %.*s\n", (int)(blen > 300 ? 300 : blen), body);
            }
            if (lat) lat[got] = t - t0;
            got++;
        }
        memmove(c->buf, c->buf + pos, c->len - pos);
        c->len -= pos;
    }
}

static void conn_init(conn_t *c) {
    memset(c, 0, sizeof *c);
    c->pid = -1;
    c->cap = 1 << 20;
    if (!(c->buf = malloc(c->cap))) die("out of memory");
}

static void spawn_server(conn_t *c, char **argv) {
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC)) die("pipe: %s", strerror(errno));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    int rc = posix_spawnp(&c->pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc) die("cannot start %s: %s", argv[0], strerror(rc));
    child = c->pid;
    close(in[0]);
    close(out[1]);
    c->wfd = in[1];
    c->rfd = out[0];
    fcntl(c->wfd, F_SETFL, fcntl(c->wfd, F_GETFL) | O_NONBLOCK);
}

/* Close the server's stdin and wait (up to 10 s) for it to exit; drains its output. */
static int stop_server(conn_t *c, double *exit_ms) {
    double t0 = now_ns();
    close(c->wfd);
    fcntl(c->rfd, F_SETFL, fcntl(c->rfd, F_GETFL) | O_NONBLOCK);
    int status = 0;
    for (;;) {
        char tmp[65536];
        while (read(c->rfd, tmp, sizeof tmp) > 0) {}
        pid_t w = waitpid(c->pid, &status, WNOHANG);
        if (w == c->pid) break;
        if (now_ns() - t0 > 10e9) {
            kill(c->pid, SIGKILL);
            waitpid(c->pid, &status, 0);
            break;
        }
        usleep(200);
    }
    *exit_ms = (now_ns() - t0) / 1e6;
    close(c->rfd);
    child = -1;
    return status;
}

static void connect_tcp(conn_t *c, const char *hostport, pid_t server_pid) {
    char host[256];
    const char *colon = strrchr(hostport, ':');
    if (!colon || (size_t)(colon - hostport) >= sizeof host) die("bad --tcp %s", hostport);
    memcpy(host, hostport, (size_t)(colon - hostport));
    host[colon - hostport] = 0;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(colon + 1))};
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) die("bad host %s", host);
    double t0 = now_ns();
    for (;;) { /* the server may still be starting: retry for up to 15 s */
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            c->rfd = c->wfd = fd;
            c->is_sock = 1;
            return;
        }
        close(fd);
        if (server_pid > 0 && kill(server_pid, 0) != 0) die("server pid %d is gone", (int)server_pid);
        if (now_ns() - t0 > 15e9) die("cannot connect to %s", hostport);
        usleep(10000);
    }
}

static long vm_hwm_kb(pid_t pid) {
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long kb = -1;
    if (!f) return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0) kb = strtol(line + 6, NULL, 10);
    fclose(f);
    return kb;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorts v; prints "p50_us":..,"p99_us":..,... */
static void print_stats(double *v, long n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    double sum = 0;
    for (long i = 0; i < n; i++) sum += v[i];
    printf("\"p50_us\":%.2f,\"p99_us\":%.2f,\"mean_us\":%.2f,\"min_us\":%.2f,\"max_us\":%.2f",
           v[n / 2] / 1e3, v[(long)(n * 0.99)] / 1e3, sum / n / 1e3, v[0] / 1e3, v[n - 1] / 1e3);
}

static void cmd_run(long warmup, long seq, long batch, long reps, const char *tcp, pid_t tcp_pid, char **argv) {
    conn_t c;
    conn_init(&c);
    if (tcp) connect_tcp(&c, tcp, tcp_pid);
    else spawn_server(&c, argv);
    pid_t pid = tcp ? tcp_pid : c.pid;
    char *req = malloc((size_t)batch * 128 + 128);
    double *lat = malloc(sizeof(double) * (size_t)(seq > batch * reps ? seq : batch * reps) + 8);
    if (!req || !lat) die("out of memory");

    /* one at a time */
    for (long i = 0; i < warmup; i++) {
        size_t n = format_request(req);
        exchange(&c, req, n, 1, 0, NULL);
    }
    double start = now_ns();
    for (long i = 0; i < seq; i++) {
        size_t n = format_request(req);
        exchange(&c, req, n, 1, now_ns(), &lat[i]);
    }
    double seq_s = (now_ns() - start) / 1e9;
    printf("{\"transport\":\"%s\",\"framing\":\"%s\",\"pid\":%d,", tcp ? "tcp" : "stdio", lsp ? "lsp" : "ndjson", (int)pid);
    printf("\"seq\":{\"n\":%ld,\"elapsed_s\":%.4f,\"rps\":%.1f,", seq, seq_s, seq / seq_s);
    print_stats(lat, seq);

    /* pipelined: `batch` requests written at once, per-reply latency from batch start */
    double pipe_ns = 0;
    for (long r = -2; r < reps; r++) { /* r < 0: warm-up batches */
        size_t n = 0;
        for (long i = 0; i < batch; i++) n += format_request(req + n);
        double t0 = now_ns();
        exchange(&c, req, n, batch, t0, r < 0 ? NULL : &lat[r * batch]);
        if (r >= 0) pipe_ns += now_ns() - t0;
    }
    printf("},\"pipe\":{\"batch\":%ld,\"reps\":%ld,\"n\":%ld,\"elapsed_s\":%.4f,\"rps\":%.1f,",
           batch, reps, batch * reps, pipe_ns / 1e9, batch * reps / (pipe_ns / 1e9));
    print_stats(lat, batch * reps);
    printf("},\"rss_hwm_kb\":%ld,\"failures\":%ld,\"requests\":%ld", pid > 0 ? vm_hwm_kb(pid) : -1, c.failures, next_id - 1);

    if (!tcp) {
        double exit_ms;
        int st = stop_server(&c, &exit_ms);
        printf(",\"exit_status\":%d,\"exit_ms\":%.2f", WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st), exit_ms);
    }
    printf("}\n");
}

static void cmd_startup(long runs, char **argv) {
    double *v = malloc(sizeof(double) * (size_t)runs);
    char req[256];
    long failures = 0;
    for (long i = 0; i < runs; i++) {
        conn_t c;
        conn_init(&c);
        size_t n = format_request(req);
        double t0 = now_ns();
        spawn_server(&c, argv);
        exchange(&c, req, n, 1, t0, &v[i]);
        double exit_ms;
        stop_server(&c, &exit_ms);
        failures += c.failures;
        free(c.buf);
    }
    printf("{\"framing\":\"%s\",\"runs\":%ld,\"failures\":%ld,\"samples_ms\":[", lsp ? "lsp" : "ndjson", runs, failures);
    for (long i = 0; i < runs; i++) printf("%s%.3f", i ? "," : "", v[i] / 1e6);
    qsort(v, (size_t)runs, sizeof *v, cmp_double);
    printf("],\"median_ms\":%.3f,\"min_ms\":%.3f,\"max_ms\":%.3f}\n", v[runs / 2] / 1e6, v[0] / 1e6, v[runs - 1] / 1e6);
}

int main(int argc, char **argv) {
    if (argc < 2) die("usage: driver run|startup [options] (-- CMD... | --tcp HOST:PORT)");
    const char *mode = argv[1], *tcp = NULL;
    long warmup = 2000, seq = 20000, batch = 1000, reps = 50, runs = 20, timeout = 600;
    pid_t tcp_pid = -1;
    char **cmd = NULL;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) { cmd = &argv[i + 1]; break; }
        if (i + 1 >= argc) die("missing value for %s", a);
        const char *v = argv[++i];
        if (strcmp(a, "--framing") == 0) {
            if (strcmp(v, "lsp") == 0) lsp = 1;
            else if (strcmp(v, "ndjson") == 0) lsp = 0;
            else die("bad framing %s", v);
        } else if (strcmp(a, "--warmup") == 0) warmup = atol(v);
        else if (strcmp(a, "--seq") == 0) seq = atol(v);
        else if (strcmp(a, "--batch") == 0) batch = atol(v);
        else if (strcmp(a, "--reps") == 0) reps = atol(v);
        else if (strcmp(a, "--runs") == 0) runs = atol(v);
        else if (strcmp(a, "--timeout") == 0) timeout = atol(v);
        else if (strcmp(a, "--log") == 0) log_path = v;
        else if (strcmp(a, "--tcp") == 0) tcp = v;
        else if (strcmp(a, "--pid") == 0) tcp_pid = (pid_t)atol(v);
        else die("unknown option %s", a);
    }
    if (seq < 1 || batch < 1 || reps < 1 || runs < 1) die("counts must be >= 1");
    if (!tcp && (!cmd || !cmd[0])) die("need -- CMD ARGS... or --tcp HOST:PORT");
    signal(SIGPIPE, SIG_IGN);
    signal(SIGALRM, on_alarm);
    alarm((unsigned)timeout);
    if (strcmp(mode, "run") == 0) cmd_run(warmup, seq, batch, reps, tcp, tcp_pid, cmd);
    else if (strcmp(mode, "startup") == 0 && !tcp) cmd_startup(runs, cmd);
    else die("unknown mode %s", mode);
    return 0;
}
