/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <microhttpd.h>

#include "basic/log.h"
#include "basic/macro.h"
#include "daemon/metrics-server.h"
#include "host/rtnl-vf-stats.h"

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
/* Scrapers are few (a Prometheus or two, an operator's curl). */
#define CONNECTIONS_MAX 16
#define CONNECTION_TIMEOUT_S 5
#define RTNL_TIMEOUT_MS 1000

typedef struct Published {
	unsigned n_ref; /* atomic */
	MetricsSnapshot *snap;
} Published;

struct MetricsServer {
	struct MHD_Daemon *mhd;
	int fd;
	pthread_mutex_t lock; /* guards current */
	Published *current;
	Rtnl *rtnl; /* the HTTP thread's own, opened on the first scrape */
};

static void published_unref(Published *p)
{
	if (p && __atomic_sub_fetch(&p->n_ref, 1, __ATOMIC_ACQ_REL) == 0) {
		metrics_snapshot_free(p->snap);
		free(p);
	}
}

int metrics_server_publish(MetricsServer *s, const MetricsSnapshot *snap)
{
	Published *p, *old;
	int r;

	if (!s)
		return 0;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	r = metrics_snapshot_dup(snap, &p->snap);
	if (r < 0) {
		free(p);
		return r;
	}
	p->n_ref = 1;
	pthread_mutex_lock(&s->lock);
	old = s->current;
	s->current = p;
	pthread_mutex_unlock(&s->lock);
	published_unref(old);
	return 0;
}

/* Each VF's counters from its PF, one request per PF; a PF that cannot
 * be read leaves its VFs' counters unknown (mask 0), not zero. */
static VfStats *read_traffic(MetricsServer *s, const MetricsSnapshot *snap)
{
	VfStats *t = calloc(snap->n_vfs ? snap->n_vfs : 1, sizeof(*t));

	if (!t)
		return NULL;
	if (!s->rtnl && (rtnl_open(&s->rtnl) < 0 || rtnl_set_timeout(s->rtnl, RTNL_TIMEOUT_MS) < 0)) {
		rtnl_close(s->rtnl);
		s->rtnl = NULL;
		return t;
	}
	for (size_t p = 0; p < snap->n_pfs; p++) {
		_cleanup_free_ VfStats *stats = NULL;
		size_t n = 0;

		if (!snap->pfs[p].netdev || rtnl_vf_stats_read(s->rtnl, snap->pfs[p].netdev, &stats, &n) < 0)
			continue;
		for (size_t i = 0; i < snap->n_vfs; i++)
			for (size_t k = 0; snap->vfs[i].pf == p && k < n; k++)
				if (stats[k].index == snap->vfs[i].index)
					t[i] = stats[k];
	}
	return t;
}

int metrics_server_render(MetricsServer *s, char **ret, size_t *ret_len)
{
	_cleanup_free_ VfStats *traffic = NULL;
	Published *p;
	int r;

	pthread_mutex_lock(&s->lock);
	p = s->current;
	if (p)
		__atomic_add_fetch(&p->n_ref, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&s->lock);
	if (!p)
		return -EAGAIN; /* nothing published yet */
	traffic = read_traffic(s, p->snap);
	r = traffic ? metrics_format(p->snap, traffic, ret, ret_len) : -ENOMEM;
	published_unref(p);
	return r;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, char *body, size_t len, bool owned)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(len, body, owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		if (owned)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, status == MHD_HTTP_OK ? CONTENT_TYPE : "text/plain");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	static char not_found[] = "Not found: kvmnetd serves /metrics\n", not_allowed[] = "Method not allowed\n",
		    starting[] = "kvmnetd is starting: no metrics yet\n", failed[] = "Out of memory\n";
	MetricsServer *s = cls;
	char *body = NULL;
	size_t len = 0;
	int r;

	if (!streq(method, MHD_HTTP_METHOD_GET) && !streq(method, MHD_HTTP_METHOD_HEAD))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, not_allowed, strlen(not_allowed), false);
	if (!streq(url, "/metrics"))
		return reply(c, MHD_HTTP_NOT_FOUND, not_found, strlen(not_found), false);
	r = metrics_server_render(s, &body, &len);
	if (r == -EAGAIN)
		return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, starting, strlen(starting), false);
	if (r < 0)
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, failed, strlen(failed), false);
	return reply(c, MHD_HTTP_OK, body, len, true);
}

static int listen_at(const InetAddr *addr)
{
	_cleanup_close_ int fd = socket(addr->sa.sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int one = 1;

	if (fd < 0)
		return negative_errno();
	/* A restart rebinds at once, past the old sockets in TIME_WAIT. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		return negative_errno();
	/* [::] means IPv6 only, as written; 0.0.0.0 is a listen= of its own. */
	if (addr->sa.sa_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
		return negative_errno();
	if (bind(fd, &addr->sa, addr->len) < 0 || listen(fd, CONNECTIONS_MAX) < 0)
		return negative_errno();
	return TAKE_FD(fd);
}

int metrics_server_start(const InetAddr *addr, MetricsServer **ret)
{
	MetricsServer *s = calloc(1, sizeof(*s));
	/* ITC: MHD_quiesce_daemon() hands the socket back before the stop. */
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG | MHD_USE_ITC;
	sigset_t all, old;

	if (!s)
		return -ENOMEM;
	pthread_mutex_init(&s->lock, NULL);
	s->fd = listen_at(addr);
	if (s->fd < 0) {
		int r = s->fd;

		metrics_server_free(s);
		return r;
	}
	if (addr->sa.sa_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* The thread takes no signal: the main loop reads them from its
	 * signalfd. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	s->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_LISTEN_SOCKET, s->fd,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTIONS_MAX, MHD_OPTION_CONNECTION_TIMEOUT,
				  (unsigned)CONNECTION_TIMEOUT_S, MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!s->mhd) {
		/* Whether a failed start closed the socket it was given is
		 * not documented: close it only if it is still open. */
		if (fcntl(s->fd, F_GETFD) < 0)
			s->fd = -1;
		metrics_server_free(s);
		return -EIO;
	}
	*ret = s;
	return 0;
}

void metrics_server_free(MetricsServer *s)
{
	if (!s)
		return;
	/* Quiesced, MHD_stop_daemon() joins the thread and leaves the
	 * socket, which is ours, open. */
	if (s->mhd) {
		(void)MHD_quiesce_daemon(s->mhd);
		MHD_stop_daemon(s->mhd);
	}
	if (s->fd >= 0)
		close(s->fd);
	rtnl_close(s->rtnl);
	published_unref(s->current);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
