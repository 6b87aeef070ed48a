#include "api/http_gate.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "api/log.h"

/* After a refusal, what the client still sends is read and dropped for this
 * long, so that closing does not reset the connection before the client has
 * read the answer. */
#define LINGER_MS 1000
#define EVENTS_MAX 256

enum waiter_state { WAITING_HEAD, LINGERING };

/* A connection the gate holds. Both lists are in deadline order: every
 * waiter of a list gets the same delay from the moment it joins. */
struct waiter {
	int fd;
	enum waiter_state state;
	long long deadline_ms;
	struct waiter *prev, *next;
	socklen_t addrlen;
	struct sockaddr_storage addr;
};

struct waiter_list {
	struct waiter *head, *tail;
	int count;
};

struct http_gate {
	struct http_gate_config cfg;
	int epfd;
	int wake_fd;
	pthread_t thread;
	bool started;
	struct waiter_list waiting, lingering;
	pthread_mutex_t stats_lock;
	struct http_gate_stats stats;
	char peek[]; /* limits.max_head + 1 bytes */
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void list_push(struct waiter_list *l, struct waiter *w)
{
	w->next = NULL;
	w->prev = l->tail;
	if (l->tail != NULL)
		l->tail->next = w;
	else
		l->head = w;
	l->tail = w;
	l->count++;
}

static void list_remove(struct waiter_list *l, struct waiter *w)
{
	if (w->prev != NULL)
		w->prev->next = w->next;
	else
		l->head = w->next;
	if (w->next != NULL)
		w->next->prev = w->prev;
	else
		l->tail = w->prev;
	w->prev = w->next = NULL;
	l->count--;
}

static void count(struct http_gate *gate, long long *field)
{
	pthread_mutex_lock(&gate->stats_lock);
	(*field)++;
	gate->stats.pending = gate->waiting.count;
	pthread_mutex_unlock(&gate->stats_lock);
}

static const char *status_title(int status, const char **type)
{
	switch (status) {
	/* The codes of the catalogue api/problem.c serves. */
	case 400: *type = "invalid-request"; return "Invalid request";
	case 408: *type = "request-timeout"; return "Request timeout";
	case 413: *type = "content-too-large"; return "Content too large";
	case 414: *type = "uri-too-long"; return "URI too long";
	case 431: *type = "header-fields-too-large"; return "Request header fields too large";
	case 505: *type = "http-version-not-supported"; return "HTTP version not supported";
	default: *type = "unavailable"; return "Service unavailable";
	}
}

size_t http_gate_problem(char *out, size_t len, int status, const char *detail, int retry_after_s)
{
	const char *type = NULL;
	const char *title = status_title(status, &type);
	if (status != 400 && status != 408 && status != 413 && status != 414 && status != 431 &&
	    status != 505)
		status = 503;
	char body[512];
	int blen = snprintf(body, sizeof(body),
			    "{\"type\":\"/problems/%s\",\"code\":\"%s\",\"title\":\"%s\",\"status\":%d,\"detail\":\"%s\"}",
			    type, type, title, status, detail);
	if (blen < 0 || (size_t)blen >= sizeof(body))
		blen = snprintf(body, sizeof(body), "{\"type\":\"/problems/%s\",\"code\":\"%s\",\"title\":\"%s\",\"status\":%d}",
				type, type, title, status);
	char retry[48] = "";
	if (status == 503)
		snprintf(retry, sizeof(retry), "Retry-After: %d\r\n", retry_after_s > 0 ? retry_after_s : 1);
	int n = snprintf(out, len,
			 "HTTP/1.1 %d %s\r\nContent-Type: application/problem+json\r\nContent-Length: %d\r\n"
			 "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n%sConnection: close\r\n\r\n%s",
			 status, title, blen, retry, body);
	if (n < 0)
		return 0;
	return (size_t)n < len ? (size_t)n : len - 1;
}

static void waiter_close(struct http_gate *gate, struct waiter *w)
{
	list_remove(w->state == WAITING_HEAD ? &gate->waiting : &gate->lingering, w);
	epoll_ctl(gate->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	close(w->fd);
	free(w);
}

/* Answers status and lingers: reads what was peeked (so that it is not
 * waiting in the socket), writes the answer, half-closes. */
static void waiter_refuse(struct http_gate *gate, struct waiter *w, int status, const char *detail,
			  int retry_after_s)
{
	char answer[1024];
	size_t n = http_gate_problem(answer, sizeof(answer), status, detail, retry_after_s);
	while (recv(w->fd, gate->peek, gate->cfg.limits.max_head + 1, MSG_DONTWAIT) > 0)
		;
	/* The socket's send buffer is empty: a short answer leaves whole. */
	(void)send(w->fd, answer, n, MSG_DONTWAIT | MSG_NOSIGNAL);
	shutdown(w->fd, SHUT_WR);
	if (w->state == WAITING_HEAD) {
		list_remove(&gate->waiting, w);
		w->state = LINGERING;
		w->deadline_ms = now_ms() + LINGER_MS;
		list_push(&gate->lingering, w);
	}
}

/* Hands the connection to the server, or refuses it as admit says. */
static void waiter_hand_over(struct http_gate *gate, struct waiter *w)
{
	epoll_ctl(gate->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	int retry_after = 0;
	int status = gate->cfg.admit(gate->cfg.admit_cls, w->fd, (const struct sockaddr *)&w->addr, w->addrlen,
				     &retry_after);
	if (status == 0) {
		list_remove(&gate->waiting, w);
		free(w);
		count(gate, &gate->stats.handed_over);
		return;
	}
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.ptr = w };
	epoll_ctl(gate->epfd, EPOLL_CTL_ADD, w->fd, &ev);
	waiter_refuse(gate, w, status, "the server is busy; try again shortly", retry_after);
	count(gate, &gate->stats.refused);
}

static void waiter_read(struct http_gate *gate, struct waiter *w, uint32_t events)
{
	if (w->state == LINGERING) {
		ssize_t n;
		while ((n = recv(w->fd, gate->peek, gate->cfg.limits.max_head + 1, MSG_DONTWAIT)) > 0)
			;
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			waiter_close(gate, w);
		return;
	}
	ssize_t n = recv(w->fd, gate->peek, gate->cfg.limits.max_head + 1, MSG_PEEK | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		waiter_close(gate, w);
		return;
	}
	struct http_head_verdict v;
	http_stream_check(&v, gate->peek, (size_t)n, &gate->cfg.limits);
	if (v.status == 200) {
		waiter_hand_over(gate, w);
	} else if (v.status != HTTP_HEAD_INCOMPLETE) {
		waiter_refuse(gate, w, v.status, v.detail, 0);
		count(gate, &gate->stats.refused);
	} else if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
		/* The client stopped sending before its head was whole. */
		waiter_close(gate, w);
	}
}

static void gate_accept(struct http_gate *gate)
{
	for (;;) {
		struct waiter *w = calloc(1, sizeof(*w));
		if (w == NULL)
			return;
		w->addrlen = sizeof(w->addr);
		w->fd = accept4(gate->cfg.listen_fd, (struct sockaddr *)&w->addr, &w->addrlen,
				SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (w->fd < 0) {
			int e = errno;
			free(w);
			/* Out of descriptors: the oldest waiter makes room. */
			if ((e == EMFILE || e == ENFILE) && gate->waiting.head != NULL) {
				waiter_close(gate, gate->waiting.head);
				count(gate, &gate->stats.evicted);
				continue;
			}
			if (e != EAGAIN && e != EINTR && e != ECONNABORTED)
				log_msg(LOG_WARN, "http_gate", "accept: %s", strerror(e));
			if (e == ECONNABORTED || e == EINTR)
				continue;
			return;
		}
		w->state = WAITING_HEAD;
		w->deadline_ms = now_ms() + gate->cfg.header_timeout_ms;
		struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.ptr = w };
		if (epoll_ctl(gate->epfd, EPOLL_CTL_ADD, w->fd, &ev) != 0) {
			close(w->fd);
			free(w);
			continue;
		}
		list_push(&gate->waiting, w);
		count(gate, &gate->stats.accepted);
		if (gate->waiting.count > gate->cfg.max_pending) {
			struct waiter *oldest = gate->waiting.head;
			waiter_refuse(gate, oldest, 408, "the request head did not arrive in time", 0);
			count(gate, &gate->stats.evicted);
		}
		/* Its head may be there already (edge-triggered: no event will
		 * tell us of bytes that arrived before the registration). */
		waiter_read(gate, w, 0);
	}
}

/* Cuts the waiters past their deadline; returns the delay to the next one
 * (-1: none). */
static int gate_expire(struct http_gate *gate)
{
	long long now = now_ms();
	while (gate->waiting.head != NULL && gate->waiting.head->deadline_ms <= now) {
		waiter_refuse(gate, gate->waiting.head, 408, "the request head did not arrive in time", 0);
		count(gate, &gate->stats.timed_out);
	}
	while (gate->lingering.head != NULL && gate->lingering.head->deadline_ms <= now)
		waiter_close(gate, gate->lingering.head);
	long long next = -1;
	if (gate->waiting.head != NULL)
		next = gate->waiting.head->deadline_ms;
	if (gate->lingering.head != NULL && (next < 0 || gate->lingering.head->deadline_ms < next))
		next = gate->lingering.head->deadline_ms;
	return next < 0 ? -1 : (int)(next - now + 1);
}

static void *gate_run(void *arg)
{
	struct http_gate *gate = arg;
	struct epoll_event events[EVENTS_MAX];
	for (;;) {
		int timeout = gate_expire(gate);
		int n = epoll_wait(gate->epfd, events, EVENTS_MAX, timeout);
		if (n < 0 && errno != EINTR) {
			log_msg(LOG_ERROR, "http_gate", "epoll_wait: %s", strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			void *ptr = events[i].data.ptr;
			if (ptr == &gate->wake_fd)
				return NULL;
			if (ptr == &gate->cfg.listen_fd)
				gate_accept(gate);
			else
				waiter_read(gate, ptr, events[i].events);
		}
	}
	return NULL;
}

int http_gate_start(struct http_gate **out, const struct http_gate_config *cfg, struct err *err)
{
	*out = NULL;
	struct http_gate *gate = calloc(1, sizeof(*gate) + cfg->limits.max_head + 1);
	if (gate == NULL)
		return err_set(err, ERR_INTERNAL, "", "out of memory");
	gate->cfg = *cfg;
	gate->epfd = epoll_create1(EPOLL_CLOEXEC);
	gate->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	pthread_mutex_init(&gate->stats_lock, NULL);
	struct epoll_event lev = { .events = EPOLLIN, .data.ptr = &gate->cfg.listen_fd };
	struct epoll_event wev = { .events = EPOLLIN, .data.ptr = &gate->wake_fd };
	if (gate->epfd < 0 || gate->wake_fd < 0 ||
	    epoll_ctl(gate->epfd, EPOLL_CTL_ADD, cfg->listen_fd, &lev) != 0 ||
	    epoll_ctl(gate->epfd, EPOLL_CTL_ADD, gate->wake_fd, &wev) != 0 ||
	    pthread_create(&gate->thread, NULL, gate_run, gate) != 0) {
		err_set(err, ERR_INTERNAL, "", "cannot start the connection gate: %s", strerror(errno));
		http_gate_free(gate);
		return ERR_INTERNAL;
	}
	gate->started = true;
	*out = gate;
	return ERR_OK;
}

void http_gate_free(struct http_gate *gate)
{
	if (gate == NULL)
		return;
	if (gate->started) {
		uint64_t one = 1;
		(void)!write(gate->wake_fd, &one, sizeof(one));
		pthread_join(gate->thread, NULL);
	}
	while (gate->waiting.head != NULL)
		waiter_close(gate, gate->waiting.head);
	while (gate->lingering.head != NULL)
		waiter_close(gate, gate->lingering.head);
	if (gate->epfd >= 0)
		close(gate->epfd);
	if (gate->wake_fd >= 0)
		close(gate->wake_fd);
	pthread_mutex_destroy(&gate->stats_lock);
	free(gate);
}

void http_gate_get_stats(struct http_gate *gate, struct http_gate_stats *out)
{
	pthread_mutex_lock(&gate->stats_lock);
	*out = gate->stats;
	pthread_mutex_unlock(&gate->stats_lock);
}
