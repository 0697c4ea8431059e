/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frames the host's kernel dropped before the proxy saw them, on an
 * af_packet port: the kernel copies each frame into the receive ring the
 * net_af_packet driver mapped for its socket, and when the ring is full
 * (the worker fell behind, or slept) it drops the frame and counts it in
 * the socket's PACKET_STATISTICS. DPDK 22.11's driver never reads that
 * counter (its imissed stays 0), so without this the loss shows nowhere
 * but in the senders' sequence numbers.
 *
 * The sockets are the driver's own, one per queue pair, out of our reach
 * through DPDK. They are found where the process keeps them: walking
 * /proc/self/fd for AF_PACKET sockets (SO_DOMAIN) bound, by getsockname(),
 * to the interface's kernel index. The walk's result is kept; before each
 * read, fstat() tells whether a descriptor is still the same socket
 * (device and inode), and a new walk runs when one is not: the port was
 * stopped and started, the descriptor closed or reused.
 *
 * The kernel resets the counters on every read, so they are added up here,
 * in 64 bits (the kernel's are 32). Drops a socket saw after its last read
 * are lost with it when it closes; the data plane reads every few hundred
 * milliseconds. Anyone else reading the same sockets' statistics (a later
 * DPDK's driver, into its imissed) takes its share from ours: each drop is
 * still counted once, in one place or the other.
 */
#include <dirent.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include "host_rings_private.h"

struct ring_socket {
	int fd;
	dev_t dev; /* with ino: the socket the descriptor named when found */
	ino_t ino;
	int version; /* TPACKET_V1..V3: which statistics struct the kernel fills */
};

struct host_ring {
	int ifindex;    /* the kernel interface; 0: slot not followed */
	unsigned int n; /* sockets found by the last walk */
	struct ring_socket sockets[RTPP_HOST_RING_MAX_SOCKETS];
	uint64_t dropped; /* tp_drops, added up */
};

struct rtpp_host_rings {
	unsigned int n;
	bool walk_due;         /* a cached descriptor is not its socket any more */
	uint64_t scans;        /* walks of /proc/self/fd */
	uint64_t next_scan_ms; /* a slot without sockets looks again from then on */
	struct host_ring rings[];
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

struct rtpp_host_rings *rtpp_host_rings_create(const int *ifindex, unsigned int n)
{
	struct rtpp_host_rings *r = calloc(1, sizeof(*r) + n * sizeof(r->rings[0]));

	if (r == NULL)
		return NULL;
	r->n = n;
	r->walk_due = true;
	for (unsigned int i = 0; i < n; i++)
		r->rings[i].ifindex = ifindex[i] > 0 ? ifindex[i] : 0;
	return r;
}

void rtpp_host_rings_free(struct rtpp_host_rings *r)
{
	free(r);
}

/* The slot of kernel interface ifindex (the first, should two name it), or NULL. */
static struct host_ring *ring_of(struct rtpp_host_rings *r, int ifindex)
{
	for (unsigned int i = 0; i < r->n; i++)
		if (r->rings[i].ifindex != 0 && r->rings[i].ifindex == ifindex)
			return &r->rings[i];
	return NULL;
}

/* Is descriptor fd an AF_PACKET socket bound to one of our interfaces? Then note it. */
static void consider(struct rtpp_host_rings *r, int fd)
{
	struct ring_socket s = { .fd = fd, .version = TPACKET_V1 };
	struct sockaddr_ll sll;
	struct host_ring *ring;
	struct stat st;
	int domain, type;
	socklen_t len = sizeof(domain);

	if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode) ||
	    getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0 || domain != AF_PACKET)
		return;
	/* SOCK_RAW or SOCK_DGRAM; not the obsolete SOCK_PACKET, whose address is no sockaddr_ll. */
	len = sizeof(type);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 ||
	    (type != SOCK_RAW && type != SOCK_DGRAM))
		return;
	len = sizeof(sll);
	if (getsockname(fd, (struct sockaddr *)&sll, &len) != 0 || sll.sll_ifindex == 0)
		return;
	ring = ring_of(r, sll.sll_ifindex);
	if (ring == NULL || ring->n == RTPP_HOST_RING_MAX_SOCKETS)
		return;
	len = sizeof(s.version);
	if (getsockopt(fd, SOL_PACKET, PACKET_VERSION, &s.version, &len) != 0)
		s.version = TPACKET_V1;
	s.dev = st.st_dev;
	s.ino = st.st_ino;
	ring->sockets[ring->n++] = s;
}

/* Find every slot's sockets again. */
static int walk(struct rtpp_host_rings *r)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *e;

	if (dir == NULL)
		return -errno;
	for (unsigned int i = 0; i < r->n; i++)
		r->rings[i].n = 0;
	while ((e = readdir(dir)) != NULL) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);

		if (e->d_name[0] < '0' || e->d_name[0] > '9' || *end != '\0' || fd == dirfd(dir))
			continue;
		consider(r, (int)fd);
	}
	closedir(dir);
	r->scans++;
	r->walk_due = false;
	r->next_scan_ms = now_ms() + RTPP_HOST_RING_RESCAN_MS;
	return 0;
}

/* Read one socket's drops since the last read into *dropped; -ESTALE when it is gone. */
static int read_socket(const struct ring_socket *s, uint64_t *dropped)
{
	union {
		struct tpacket_stats v1; /* V1 and V2 */
		struct tpacket_stats_v3 v3;
	} stats;
	socklen_t len = s->version == TPACKET_V3 ? sizeof(stats.v3) : sizeof(stats.v1);
	struct stat st;

	if (fstat(s->fd, &st) != 0 || st.st_dev != s->dev || st.st_ino != s->ino)
		return -ESTALE;
	if (getsockopt(s->fd, SOL_PACKET, PACKET_STATISTICS, &stats, &len) != 0)
		return -ESTALE;
	*dropped += s->version == TPACKET_V3 ? stats.v3.tp_drops : stats.v1.tp_drops;
	return 0;
}

int rtpp_host_rings_poll(struct rtpp_host_rings *r, unsigned int i)
{
	struct host_ring *ring;

	if (i >= r->n || r->rings[i].ifindex == 0)
		return 0;
	ring = &r->rings[i];
	/* At most twice: what the first read finds gone is found again and read. */
	for (int attempt = 0; attempt < 2; attempt++) {
		bool all_read = true;

		if (r->walk_due || (ring->n == 0 && now_ms() >= r->next_scan_ms)) {
			int rc = walk(r);

			if (rc != 0)
				return rc;
		}
		for (unsigned int k = 0; k < ring->n; k++) {
			if (read_socket(&ring->sockets[k], &ring->dropped) != 0) {
				r->walk_due = true;
				all_read = false;
			}
		}
		if (all_read)
			break;
	}
	return 0;
}

uint64_t rtpp_host_rings_dropped(const struct rtpp_host_rings *r, unsigned int i)
{
	return i < r->n ? r->rings[i].dropped : 0;
}

unsigned int rtpp_host_rings_sockets(const struct rtpp_host_rings *r, unsigned int i)
{
	return i < r->n ? r->rings[i].n : 0;
}

uint64_t rtpp_host_rings_scans(const struct rtpp_host_rings *r)
{
	return r->scans;
}
