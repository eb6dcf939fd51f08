// The calling thread's CPU time, for bench/experiments/jitProbe.ts: Node 20 has no thread CPU clock (process.cpuUsage()
// counts every thread, lavapipe's included). Built by `node bench/experiments/jitAB.mjs --build-addon` into out/.
#include <node_api.h>
#include <time.h>
static napi_value now(napi_env env, napi_callback_info info) {
  struct timespec ts; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  napi_value v; napi_create_double(env, ts.tv_sec * 1e3 + ts.tv_nsec / 1e6, &v); return v;
}
NAPI_MODULE_INIT() {
  napi_value fn; napi_create_function(env, "threadCpuMs", NAPI_AUTO_LENGTH, now, NULL, &fn);
  napi_set_named_property(env, exports, "threadCpuMs", fn); return exports;
}
