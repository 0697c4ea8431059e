/* SPDX-License-Identifier: BSD-3-Clause */
/* grpc.health.v1.Health: whether the server and the RtpProxy service serve. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "health.pb-c.h"
#include "rtpp_api.h"

int rtpp_api_health(const uint8_t *req, size_t len, uint8_t **reply, size_t *reply_len,
		    char *msg, size_t msglen)
{
	Grpc__Health__V1__HealthCheckRequest *r =
		grpc__health__v1__health_check_request__unpack(NULL, len, req);
	Grpc__Health__V1__HealthCheckResponse resp = GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__INIT;
	int rc = RTPP_API_OK;

	if (r == NULL) {
		snprintf(msg, msglen, "request: not a HealthCheckRequest");
		return RTPP_API_INVALID_ARGUMENT;
	}
	if (r->service[0] != '\0' && strcmp(r->service, "rtpproxy.RtpProxy") != 0) {
		snprintf(msg, msglen, "service: unknown service \"%.64s\"", r->service);
		rc = RTPP_API_NOT_FOUND;
	}
	grpc__health__v1__health_check_request__free_unpacked(r, NULL);
	if (rc != RTPP_API_OK)
		return rc;
	resp.status = GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING;
	*reply_len = grpc__health__v1__health_check_response__get_packed_size(&resp);
	*reply = malloc(*reply_len ? *reply_len : 1);
	if (*reply == NULL)
		return RTPP_API_INTERNAL;
	grpc__health__v1__health_check_response__pack(&resp, *reply);
	return RTPP_API_OK;
}
