/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The console graphs' history (rtpp_console.h): rates between successive
 * samples of the counters, in a ring. Sampled once a second on the main
 * lcore, so that a page opened now shows the last minutes at once.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "rtpp_console.h"

/* Rates of one interface over one interval. */
enum iface_series { RX_PPS, TX_PPS, RX_BPS, TX_BPS, DROPS_PS, IFACE_SERIES };

static const char *const iface_series_names[IFACE_SERIES] = {
	[RX_PPS] = "rx_pps", [TX_PPS] = "tx_pps",     [RX_BPS] = "rx_bps",
	[TX_BPS] = "tx_bps", [DROPS_PS] = "drops_ps",
};

struct rtpp_console_history {
	unsigned int n_ifaces, n_workers, capacity;
	unsigned int head, len; /* the next point goes to head; len points are kept */
	bool have_base;
	uint64_t base_ns;
	struct rtpp_console_iface_sample *base_ifaces; /* [n_ifaces] */
	uint64_t *base_busy;                           /* [n_workers] */
	/* Point i of the ring: */
	uint64_t *unix_ms;   /* [capacity] */
	double *iface_rates; /* [capacity][n_ifaces][IFACE_SERIES] */
	double *busy;        /* [capacity][n_workers] percent */
};

struct rtpp_console_history *
rtpp_console_history_create(unsigned int n_ifaces, unsigned int n_workers, unsigned int capacity)
{
	struct rtpp_console_history *h = calloc(1, sizeof(*h));

	if (h == NULL || capacity == 0)
		goto fail;
	h->n_ifaces = n_ifaces;
	h->n_workers = n_workers;
	h->capacity = capacity;
	/* calloc(0, ...) may be NULL: one more element each. */
	h->base_ifaces = calloc(n_ifaces + 1, sizeof(*h->base_ifaces));
	h->base_busy = calloc(n_workers + 1, sizeof(*h->base_busy));
	h->unix_ms = calloc(capacity, sizeof(*h->unix_ms));
	h->iface_rates = calloc((size_t)capacity * n_ifaces * IFACE_SERIES + 1, sizeof(double));
	h->busy = calloc((size_t)capacity * n_workers + 1, sizeof(double));
	if (h->base_ifaces == NULL || h->base_busy == NULL || h->unix_ms == NULL ||
	    h->iface_rates == NULL || h->busy == NULL)
		goto fail;
	return h;
fail:
	rtpp_console_history_destroy(h);
	return NULL;
}

void rtpp_console_history_destroy(struct rtpp_console_history *h)
{
	if (h == NULL)
		return;
	free(h->base_ifaces);
	free(h->base_busy);
	free(h->unix_ms);
	free(h->iface_rates);
	free(h->busy);
	free(h);
}

/* (now - before) per second of dt_s; 0 when the counter went back. */
static double rate(uint64_t now, uint64_t before, double dt_s)
{
	return now >= before ? (double)(now - before) / dt_s : 0.0;
}

void rtpp_console_history_add(struct rtpp_console_history *h, uint64_t now_ns, uint64_t unix_ms,
			      const struct rtpp_console_iface_sample *ifaces,
			      const uint64_t *busy_cycles, uint64_t tsc_hz)
{
	double dt_s;
	double *r, *b;

	if (h->have_base && now_ns <= h->base_ns)
		return;
	if (h->have_base) {
		dt_s = (double)(now_ns - h->base_ns) / 1e9;
		h->unix_ms[h->head] = unix_ms;
		r = &h->iface_rates[(size_t)h->head * h->n_ifaces * IFACE_SERIES];
		for (unsigned int i = 0; i < h->n_ifaces; i++, r += IFACE_SERIES) {
			const struct rtpp_console_iface_sample *now = &ifaces[i];
			const struct rtpp_console_iface_sample *was = &h->base_ifaces[i];

			r[RX_PPS] = rate(now->rx_packets, was->rx_packets, dt_s);
			r[TX_PPS] = rate(now->tx_packets, was->tx_packets, dt_s);
			r[RX_BPS] = 8 * rate(now->rx_bytes, was->rx_bytes, dt_s);
			r[TX_BPS] = 8 * rate(now->tx_bytes, was->tx_bytes, dt_s);
			r[DROPS_PS] = rate(now->dropped, was->dropped, dt_s);
		}
		b = &h->busy[(size_t)h->head * h->n_workers];
		for (unsigned int w = 0; w < h->n_workers; w++) {
			double pct = tsc_hz != 0 ?
					     100.0 * rate(busy_cycles[w], h->base_busy[w], dt_s) /
						     (double)tsc_hz :
					     0.0;

			b[w] = pct > 100.0 ? 100.0 : pct;
		}
		h->head = (h->head + 1) % h->capacity;
		if (h->len < h->capacity)
			h->len++;
	}
	h->have_base = true;
	h->base_ns = now_ns;
	if (h->n_ifaces > 0)
		memcpy(h->base_ifaces, ifaces, h->n_ifaces * sizeof(*ifaces));
	if (h->n_workers > 0)
		memcpy(h->base_busy, busy_cycles, h->n_workers * sizeof(*busy_cycles));
}

unsigned int rtpp_console_history_len(const struct rtpp_console_history *h)
{
	return h->len;
}

/* Index in the ring of the k-th oldest point. */
static unsigned int slot(const struct rtpp_console_history *h, unsigned int k)
{
	return (h->head + h->capacity - h->len + k) % h->capacity;
}

/* Add to array a set to every point: series value at [slot * stride + offset]. */
static int fill(const struct rtpp_console_history *h, json_t *array, const double *values,
		size_t stride, size_t offset)
{
	for (unsigned int k = 0; k < h->len; k++)
		if (json_array_append_new(array, json_real(values[slot(h, k) * stride + offset])) != 0)
			return -1;
	return 0;
}

json_t *rtpp_console_history_json(const struct rtpp_console_history *h)
{
	json_t *root = json_pack("{s:i,s:[],s:[],s:[]}", "interval_s", 1, "unix_ms", "interfaces",
				 "workers");
	json_t *times = json_object_get(root, "unix_ms");
	json_t *ifaces = json_object_get(root, "interfaces");
	json_t *workers = json_object_get(root, "workers");
	bool ok = root != NULL;

	for (unsigned int k = 0; ok && k < h->len; k++)
		ok = json_array_append_new(times,
					   json_integer((json_int_t)h->unix_ms[slot(h, k)])) == 0;
	for (unsigned int i = 0; ok && i < h->n_ifaces; i++) {
		json_t *one = json_pack("{s:i}", "index", (int)i);

		/* Attached first: on failure, freeing root frees it too. */
		ok = one != NULL && json_array_append_new(ifaces, one) == 0;
		for (unsigned int s = 0; ok && s < IFACE_SERIES; s++) {
			json_t *series = json_array();

			ok = series != NULL &&
			     json_object_set_new(one, iface_series_names[s], series) == 0 &&
			     fill(h, series, h->iface_rates, (size_t)h->n_ifaces * IFACE_SERIES,
				  (size_t)i * IFACE_SERIES + s) == 0;
		}
	}
	for (unsigned int w = 0; ok && w < h->n_workers; w++) {
		json_t *one = json_pack("{s:i,s:[]}", "index", (int)w, "busy_percent");

		ok = one != NULL && json_array_append_new(workers, one) == 0 &&
		     fill(h, json_object_get(one, "busy_percent"), h->busy, h->n_workers, w) == 0;
	}
	if (!ok) {
		json_decref(root);
		return NULL;
	}
	return root;
}
