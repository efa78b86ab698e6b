// k6 module stand-ins for the engine check: the API the suite's scripts call, with k6's
// semantics for what can go wrong (init-only metric creation, k6's metric name rule, group
// names, expected statuses, synchronous HTTP). Evaluated once per VU runtime with `native`
// (Go: metric store, HTTP client) and `vu` (this VU's execution state); nothing here is global.
(function (native, vu) {
  'use strict';
  // k6 v1.3.0 metrics/registry.go: nameRegexString.
  var METRIC_NAME = /^[a-zA-Z_][a-zA-Z0-9_]{1,128}$/;

  function tags(extra) {
    var t = { group: vu.group };
    if (vu.scenario) t.scenario = vu.scenario;
    if (extra) for (var k in extra) t[k] = String(extra[k]);
    return t;
  }

  // --- k6 -------------------------------------------------------------------------------------
  native.define('checks', 'rate', 'default');
  native.define('group_duration', 'trend', 'time');
  function check(value, sets, extraTags) {
    var all = true;
    Object.keys(sets).forEach(function (name) {
      var c = sets[name];
      var ok = Boolean(typeof c === 'function' ? c(value) : c);
      var t = tags(extraTags);
      t.check = name;
      native.add('checks', ok ? 1 : 0, t);
      all = all && ok;
    });
    return all;
  }
  function group(name, fn) {
    if (typeof name !== 'string' || name.indexOf('::') >= 0) throw new Error('group name ' + JSON.stringify(name) + " may not contain '::'");
    if (typeof fn !== 'function') throw new Error('group(' + JSON.stringify(name) + '): the second argument must be a function');
    var parent = vu.group;
    vu.group = parent + '::' + name;
    var started = Date.now();
    try {
      return fn();
    } finally {
      native.add('group_duration', Date.now() - started, tags());
      vu.group = parent;
    }
  }
  function sleep(seconds) {
    if (typeof seconds !== 'number' || !(seconds >= 0)) throw new Error('sleep(' + String(seconds) + '): a non-negative number of seconds is required');
    // The check exercises code paths, not timing: it does not wait.
  }
  function fail(message) {
    throw new Error(message === undefined ? '' : message);
  }
  var k6 = { check: check, group: group, sleep: sleep, fail: fail };

  // --- k6/metrics -------------------------------------------------------------------------------
  function metricClass(type) {
    return function (name, isTime) {
      if (vu.phase !== 'init') throw new Error('metrics must be declared in the init context');
      if (typeof name !== 'string' || !METRIC_NAME.test(name)) {
        throw new Error('Invalid metric name: ' + JSON.stringify(name) + '. Metric names must only include up to 128 ASCII letters, numbers, or underscores and start with a letter or an underscore.');
      }
      native.define(name, type, isTime ? 'time' : 'default');
      this.name = name;
      this.add = function (value, extraTags) {
        var n = type === 'rate' ? (value ? 1 : 0) : Number(value);
        if (typeof value === 'boolean') n = value ? 1 : 0;
        if (!isFinite(n)) throw new Error(name + '.add(' + String(value) + '): not a number');
        native.add(name, n, tags(extraTags));
        return true;
      };
    };
  }
  var metrics = { Counter: metricClass('counter'), Gauge: metricClass('gauge'), Rate: metricClass('rate'), Trend: metricClass('trend') };

  // --- k6/http ----------------------------------------------------------------------------------
  ['http_req_duration', 'http_req_blocked', 'http_req_connecting', 'http_req_tls_handshaking', 'http_req_sending', 'http_req_waiting', 'http_req_receiving'].forEach(function (n) {
    native.define(n, 'trend', 'time');
  });
  native.define('http_reqs', 'counter', 'default');
  native.define('http_req_failed', 'rate', 'default');
  native.define('data_sent', 'counter', 'data');
  native.define('data_received', 'counter', 'data');

  function expectedStatuses() {
    var specs = Array.prototype.slice.call(arguments);
    specs.forEach(function (s) {
      var ok = typeof s === 'number' ? Number.isInteger(s) : s !== null && typeof s === 'object' && Number.isInteger(s.min) && Number.isInteger(s.max);
      if (!ok) throw new Error('expectedStatuses: ' + JSON.stringify(s) + ' is neither a status code nor {min, max}');
    });
    var fn = function (status) {
      return specs.some(function (s) { return typeof s === 'number' ? status === s : status >= s.min && status <= s.max; });
    };
    fn.__expectedStatuses = true;
    return fn;
  }
  var defaultCallback = expectedStatuses({ min: 200, max: 399 });
  var responseCallback = defaultCallback;

  function timeoutMs(t) {
    if (t === undefined) return 60000;
    if (typeof t === 'number') return t;
    var m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(String(t));
    if (!m) throw new Error('http params timeout ' + JSON.stringify(t) + ' is not like 500ms, 10s or 1m');
    return Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : 60000);
  }

  function request(method, target, body, params) {
    params = params || {};
    if (vu.phase === 'init') throw new Error('Making http requests in the init context is not supported');
    var isTemplate = target !== null && typeof target === 'object' && target.__httpURL === true;
    var url = isTemplate ? target.url : String(target);
    var headers = {};
    if (params.headers) for (var h in params.headers) headers[h] = String(params.headers[h]);
    var payload = '';
    if (body !== null && body !== undefined) {
      if (typeof body === 'object') {
        payload = Object.keys(body).map(function (k) { return encodeURIComponent(k) + '=' + encodeURIComponent(String(body[k])); }).join('&');
        if (!Object.keys(headers).some(function (k) { return k.toLowerCase() === 'content-type'; })) headers['Content-Type'] = 'application/x-www-form-urlencoded';
      } else payload = String(body);
    }
    var res = native.request(method.toUpperCase(), url, payload, headers, timeoutMs(params.timeout));
    var callback = params.responseCallback !== undefined ? params.responseCallback : responseCallback;
    var name = params.tags && params.tags.name !== undefined ? String(params.tags.name) : isTemplate ? target.name : url;
    var t = tags(params.tags);
    t.name = name;
    t.url = name;
    t.method = method.toUpperCase();
    t.status = String(res.status);
    var code = res.error ? res.error_code : res.status >= 400 ? 1000 + res.status : 0;
    if (res.error) t.error = res.error;
    else t.proto = res.proto;
    if (code !== 0) t.error_code = String(code);
    var expected = callback ? callback(res.status) : null;
    if (expected !== null) t.expected_response = String(expected);
    var tm = res.timings;
    native.add('http_reqs', 1, t);
    native.add('http_req_duration', tm.duration, t);
    native.add('http_req_blocked', tm.blocked, t);
    native.add('http_req_connecting', tm.connecting, t);
    native.add('http_req_tls_handshaking', tm.tls_handshaking, t);
    native.add('http_req_sending', tm.sending, t);
    native.add('http_req_waiting', tm.waiting, t);
    native.add('http_req_receiving', tm.receiving, t);
    if (expected !== null) native.add('http_req_failed', expected ? 0 : 1, t);
    native.add('data_sent', res.bytes_sent, tags());
    native.add('data_received', res.bytes_received, tags());
    var response = {
      status: res.status, status_text: res.status_text, body: res.body, headers: res.headers, timings: tm, url: url, proto: res.proto,
      error: res.error, error_code: code,
      request: { method: method.toUpperCase(), url: url, body: payload, headers: headers, cookies: {} },
      cookies: {},
      json: function (selector) {
        var parsed = JSON.parse(res.body);
        if (selector === undefined) return parsed;
        return String(selector).split('.').reduce(function (v, part) { return v === null || v === undefined ? undefined : v[part.replace(/^#/, '')]; }, parsed);
      },
    };
    return response;
  }
  function url(strings) {
    var args = Array.prototype.slice.call(arguments, 1);
    var full = strings[0], name = strings[0];
    args.forEach(function (a, i) { full += String(a) + strings[i + 1]; name += '${}' + strings[i + 1]; });
    return { __httpURL: true, url: full, name: name, toString: function () { return full; } };
  }
  var http = {
    request: request,
    get: function (u, p) { return request('GET', u, null, p); },
    head: function (u, p) { return request('HEAD', u, null, p); },
    post: function (u, b, p) { return request('POST', u, b, p); },
    put: function (u, b, p) { return request('PUT', u, b, p); },
    patch: function (u, b, p) { return request('PATCH', u, b, p); },
    del: function (u, b, p) { return request('DELETE', u, b, p); },
    options: function (u, b, p) { return request('OPTIONS', u, b, p); },
    url: url,
    expectedStatuses: expectedStatuses,
    setResponseCallback: function (cb) { responseCallback = cb; },
  };

  // --- k6/execution -----------------------------------------------------------------------------
  var execution = {
    get vu() { return { idInTest: vu.id, idInInstance: vu.id, iterationInInstance: vu.iteration, iterationInScenario: vu.iteration }; },
    get scenario() { return { name: vu.scenario, executor: vu.executor, iterationInTest: vu.iteration, iterationInInstance: vu.iteration }; },
    test: { abort: function (reason) { throw new Error('test aborted: ' + (reason === undefined ? '' : reason)); } },
  };

  return { 'k6': k6, 'k6/http': http, 'k6/metrics': metrics, 'k6/execution': execution };
})
