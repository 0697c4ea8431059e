// SPDX-License-Identifier: BSD-3-Clause
//
// Debian 12 builds Abseil without NDEBUG, so every absl::Mutex that grpc
// core takes (several per RPC, on both ends) also runs Abseil's deadlock
// detector: a global graph of lock ordering guarded by its own global lock
// (GraphCycles::GetId and friends showed in perf as a few % of each process
// at set-up rates). It is a debugging aid; switch it off. The only C++ in
// lib/rpc: the switch has no C interface.
#include <absl/synchronization/mutex.h>

extern "C" void rtpp_rpc_runtime_tune(void);

extern "C" void rtpp_rpc_runtime_tune(void)
{
	absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}
