var __defProp = Object.defineProperty;
var __name = (target, value) => __defProp(target, "name", { value, configurable: true });

// build/index.js
import { WorkerEntrypoint as le } from "cloudflare:workers";
import K from "./3ca5cc3ed965a224f23c840f035af7a497ac2ef5-index_bg.wasm";
var J = globalThis.__worker_init_state = { criticalError: false, instanceId: 0 };
var v = class {
  static {
    __name(this, "v");
  }
  __destroy_into_raw() {
    let e = this.__wbg_ptr;
    return this.__wbg_ptr = 0, ie.unregister(this), e;
  }
  free() {
    let e = this.__destroy_into_raw();
    s();
    try {
      i.__wbg_containerstartupoptions_free(e, 0);
    } catch (t) {
      o(t);
    }
  }
  get enableInternet() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== c) throw new Error("Invalid stale object from previous Wasm instance");
    let e;
    s();
    try {
      e = i.__wbg_get_containerstartupoptions_enableInternet(this.__wbg_ptr);
    } catch (t) {
      o(t);
    }
    return e === 16777215 ? void 0 : e !== 0;
  }
  get entrypoint() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== c) throw new Error("Invalid stale object from previous Wasm instance");
    let e;
    s();
    try {
      e = i.__wbg_get_containerstartupoptions_entrypoint(this.__wbg_ptr);
    } catch (n) {
      o(n);
    }
    var t = fe(e[0], e[1]);
    return i.__wbindgen_free(e[0], e[1] * 4, 4), t;
  }
  get env() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== c) throw new Error("Invalid stale object from previous Wasm instance");
    let e;
    s();
    try {
      e = i.__wbg_get_containerstartupoptions_env(this.__wbg_ptr);
    } catch (t) {
      o(t);
    }
    return e;
  }
  set enableInternet(e) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== c) throw new Error("Invalid stale object from previous Wasm instance");
    s();
    try {
      i.__wbg_set_containerstartupoptions_enableInternet(this.__wbg_ptr, b(e) ? 16777215 : e ? 1 : 0);
    } catch (t) {
      o(t);
    }
  }
  set entrypoint(e) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== c) throw new Error("Invalid stale object from previous Wasm instance");
    let t = be(e, i.__wbindgen_malloc), n = l;
    s();
    try {
      i.__wbg_set_containerstartupoptions_entrypoint(this.__wbg_ptr, t, n);
    } catch (_) {
      o(_);
    }
  }
  set env(e) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== c) throw new Error("Invalid stale object from previous Wasm instance");
    s();
    try {
      i.__wbg_set_containerstartupoptions_env(this.__wbg_ptr, e);
    } catch (t) {
      o(t);
    }
  }
};
Symbol.dispose && (v.prototype[Symbol.dispose] = v.prototype.free);
var A = class {
  static {
    __name(this, "A");
  }
  __destroy_into_raw() {
    let e = this.__wbg_ptr;
    return this.__wbg_ptr = 0, oe.unregister(this), e;
  }
  free() {
    let e = this.__destroy_into_raw();
    s();
    try {
      i.__wbg_intounderlyingbytesource_free(e, 0);
    } catch (t) {
      o(t);
    }
  }
  get autoAllocateChunkSize() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== c) throw new Error("Invalid stale object from previous Wasm instance");
    let e;
    s();
    try {
      e = i.intounderlyingbytesource_autoAllocateChunkSize(this.__wbg_ptr);
    } catch (t) {
      o(t);
    }
    return e >>> 0;
  }
  cancel() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== c) throw new Error("Invalid stale object from previous Wasm instance");
    let e = this.__destroy_into_raw();
    s();
    try {
      i.intounderlyingbytesource_cancel(e);
    } catch (t) {
      o(t);
    }
  }
  pull(e) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== c) throw new Error("Invalid stale object from previous Wasm instance");
    let t;
    s();
    try {
      t = i.intounderlyingbytesource_pull(this.__wbg_ptr, e);
    } catch (n) {
      o(n);
    }
    return t;
  }
  start(e) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== c) throw new Error("Invalid stale object from previous Wasm instance");
    s();
    try {
      i.intounderlyingbytesource_start(this.__wbg_ptr, e);
    } catch (t) {
      o(t);
    }
  }
  get type() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== c) throw new Error("Invalid stale object from previous Wasm instance");
    let e;
    s();
    try {
      e = i.intounderlyingbytesource_type(this.__wbg_ptr);
    } catch (t) {
      o(t);
    }
    return _e[e];
  }
};
Symbol.dispose && (A.prototype[Symbol.dispose] = A.prototype.free);
var k = class {
  static {
    __name(this, "k");
  }
  __destroy_into_raw() {
    let e = this.__wbg_ptr;
    return this.__wbg_ptr = 0, se.unregister(this), e;
  }
  free() {
    let e = this.__destroy_into_raw();
    s();
    try {
      i.__wbg_intounderlyingsink_free(e, 0);
    } catch (t) {
      o(t);
    }
  }
  abort(e) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== c) throw new Error("Invalid stale object from previous Wasm instance");
    let t = this.__destroy_into_raw(), n;
    s();
    try {
      n = i.intounderlyingsink_abort(t, e);
    } catch (_) {
      o(_);
    }
    return n;
  }
  close() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== c) throw new Error("Invalid stale object from previous Wasm instance");
    let e = this.__destroy_into_raw(), t;
    s();
    try {
      t = i.intounderlyingsink_close(e);
    } catch (n) {
      o(n);
    }
    return t;
  }
  write(e) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== c) throw new Error("Invalid stale object from previous Wasm instance");
    let t;
    s();
    try {
      t = i.intounderlyingsink_write(this.__wbg_ptr, e);
    } catch (n) {
      o(n);
    }
    return t;
  }
};
Symbol.dispose && (k.prototype[Symbol.dispose] = k.prototype.free);
var S = class r {
  static {
    __name(this, "r");
  }
  static __wrap(e) {
    let t = Object.create(r.prototype);
    return t.__wbg_ptr = e, Object.defineProperty(t, "__wbg_inst", { value: c, writable: true }), H.register(t, { ptr: e, instance: c }, t), t;
  }
  __destroy_into_raw() {
    let e = this.__wbg_ptr;
    return this.__wbg_ptr = 0, H.unregister(this), e;
  }
  free() {
    let e = this.__destroy_into_raw();
    s();
    try {
      i.__wbg_intounderlyingsource_free(e, 0);
    } catch (t) {
      o(t);
    }
  }
  cancel() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== c) throw new Error("Invalid stale object from previous Wasm instance");
    let e = this.__destroy_into_raw();
    s();
    try {
      i.intounderlyingsource_cancel(e);
    } catch (t) {
      o(t);
    }
  }
  pull(e) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== c) throw new Error("Invalid stale object from previous Wasm instance");
    let t;
    s();
    try {
      t = i.intounderlyingsource_pull(this.__wbg_ptr, e);
    } catch (n) {
      o(n);
    }
    return t;
  }
};
Symbol.dispose && (S.prototype[Symbol.dispose] = S.prototype.free);
var I = class {
  static {
    __name(this, "I");
  }
  __destroy_into_raw() {
    let e = this.__wbg_ptr;
    return this.__wbg_ptr = 0, ce.unregister(this), e;
  }
  free() {
    let e = this.__destroy_into_raw();
    s();
    try {
      i.__wbg_minifyconfig_free(e, 0);
    } catch (t) {
      o(t);
    }
  }
  get css() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== c) throw new Error("Invalid stale object from previous Wasm instance");
    let e;
    s();
    try {
      e = i.__wbg_get_minifyconfig_css(this.__wbg_ptr);
    } catch (t) {
      o(t);
    }
    return e !== 0;
  }
  get html() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== c) throw new Error("Invalid stale object from previous Wasm instance");
    let e;
    s();
    try {
      e = i.__wbg_get_minifyconfig_html(this.__wbg_ptr);
    } catch (t) {
      o(t);
    }
    return e !== 0;
  }
  get js() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== c) throw new Error("Invalid stale object from previous Wasm instance");
    let e;
    s();
    try {
      e = i.__wbg_get_minifyconfig_js(this.__wbg_ptr);
    } catch (t) {
      o(t);
    }
    return e !== 0;
  }
  set css(e) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== c) throw new Error("Invalid stale object from previous Wasm instance");
    s();
    try {
      i.__wbg_set_minifyconfig_css(this.__wbg_ptr, e);
    } catch (t) {
      o(t);
    }
  }
  set html(e) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== c) throw new Error("Invalid stale object from previous Wasm instance");
    s();
    try {
      i.__wbg_set_minifyconfig_html(this.__wbg_ptr, e);
    } catch (t) {
      o(t);
    }
  }
  set js(e) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== c) throw new Error("Invalid stale object from previous Wasm instance");
    s();
    try {
      i.__wbg_set_minifyconfig_js(this.__wbg_ptr, e);
    } catch (t) {
      o(t);
    }
  }
};
Symbol.dispose && (I.prototype[Symbol.dispose] = I.prototype.free);
var x = class {
  static {
    __name(this, "x");
  }
  __destroy_into_raw() {
    let e = this.__wbg_ptr;
    return this.__wbg_ptr = 0, ae.unregister(this), e;
  }
  free() {
    let e = this.__destroy_into_raw();
    s();
    try {
      i.__wbg_r2range_free(e, 0);
    } catch (t) {
      o(t);
    }
  }
  get length() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== c) throw new Error("Invalid stale object from previous Wasm instance");
    let e;
    s();
    try {
      e = i.__wbg_get_r2range_length(this.__wbg_ptr);
    } catch (t) {
      o(t);
    }
    return e[0] === 0 ? void 0 : e[1];
  }
  get offset() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== c) throw new Error("Invalid stale object from previous Wasm instance");
    let e;
    s();
    try {
      e = i.__wbg_get_r2range_offset(this.__wbg_ptr);
    } catch (t) {
      o(t);
    }
    return e[0] === 0 ? void 0 : e[1];
  }
  get suffix() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== c) throw new Error("Invalid stale object from previous Wasm instance");
    let e;
    s();
    try {
      e = i.__wbg_get_r2range_suffix(this.__wbg_ptr);
    } catch (t) {
      o(t);
    }
    return e[0] === 0 ? void 0 : e[1];
  }
  set length(e) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== c) throw new Error("Invalid stale object from previous Wasm instance");
    s();
    try {
      i.__wbg_set_r2range_length(this.__wbg_ptr, !b(e), b(e) ? 0 : e);
    } catch (t) {
      o(t);
    }
  }
  set offset(e) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== c) throw new Error("Invalid stale object from previous Wasm instance");
    s();
    try {
      i.__wbg_set_r2range_offset(this.__wbg_ptr, !b(e), b(e) ? 0 : e);
    } catch (t) {
      o(t);
    }
  }
  set suffix(e) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== c) throw new Error("Invalid stale object from previous Wasm instance");
    s();
    try {
      i.__wbg_set_r2range_suffix(this.__wbg_ptr, !b(e), b(e) ? 0 : e);
    } catch (t) {
      o(t);
    }
  }
};
Symbol.dispose && (x.prototype[Symbol.dispose] = x.prototype.free);
function O() {
  c++, p = null, R = null, j = null, typeof numBytesDecoded < "u" && (numBytesDecoded = 0), typeof l < "u" && (l = 0), D = false, T = false, q = new WebAssembly.Instance(K, Y()), i = q.exports, i.__wbindgen_start();
}
__name(O, "O");
function Q() {
  let r2;
  s();
  try {
    r2 = i.__worker_init_state();
  } catch (e) {
    o(e);
  }
  return r2;
}
__name(Q, "Q");
function X(r2, e, t) {
  let n;
  s();
  try {
    n = i.fetch(r2, e, t);
  } catch (_) {
    o(_);
  }
  return n;
}
__name(X, "X");
function Y() {
  return { __proto__: null, "./index_bg.js": { __proto__: null, __wbg_Error_208446807d0d1e30: /* @__PURE__ */ __name(function(e, t) {
    return Error(g(e, t));
  }, "__wbg_Error_208446807d0d1e30"), __wbg_Number_ff192a72a0dcdf6d: /* @__PURE__ */ __name(function(e) {
    return Number(e);
  }, "__wbg_Number_ff192a72a0dcdf6d"), __wbg_String_8564e559799eccda: /* @__PURE__ */ __name(function(e, t) {
    let n = String(t), _ = m(n, i.__wbindgen_malloc, i.__wbindgen_realloc), a = l;
    d().setInt32((e >>> 0) + 4, a, true), d().setInt32((e >>> 0) + 0, _, true);
  }, "__wbg_String_8564e559799eccda"), __wbg___wbindgen_bigint_get_as_i64_11da4b52cd0aedef: /* @__PURE__ */ __name(function(e, t) {
    let n = t, _ = typeof n == "bigint" ? n : void 0;
    d().setBigInt64((e >>> 0) + 8, b(_) ? BigInt(0) : _, true), d().setInt32((e >>> 0) + 0, !b(_), true);
  }, "__wbg___wbindgen_bigint_get_as_i64_11da4b52cd0aedef"), __wbg___wbindgen_boolean_get_4f1baf9a00be3c74: /* @__PURE__ */ __name(function(e) {
    let t = e, n = typeof t == "boolean" ? t : void 0;
    return b(n) ? 16777215 : n ? 1 : 0;
  }, "__wbg___wbindgen_boolean_get_4f1baf9a00be3c74"), __wbg___wbindgen_debug_string_f249a2a76caa9a55: /* @__PURE__ */ __name(function(e, t) {
    let n = ee(t), _ = m(n, i.__wbindgen_malloc, i.__wbindgen_realloc), a = l;
    d().setInt32((e >>> 0) + 4, a, true), d().setInt32((e >>> 0) + 0, _, true);
  }, "__wbg___wbindgen_debug_string_f249a2a76caa9a55"), __wbg___wbindgen_in_3f58a9d3b3a7eed2: /* @__PURE__ */ __name(function(e, t) {
    return e in t;
  }, "__wbg___wbindgen_in_3f58a9d3b3a7eed2"), __wbg___wbindgen_is_bigint_5fa10641e039d3ef: /* @__PURE__ */ __name(function(e) {
    return typeof e == "bigint";
  }, "__wbg___wbindgen_is_bigint_5fa10641e039d3ef"), __wbg___wbindgen_is_function_741ff2bb612836f5: /* @__PURE__ */ __name(function(e) {
    return typeof e == "function";
  }, "__wbg___wbindgen_is_function_741ff2bb612836f5"), __wbg___wbindgen_is_null_c22311b1cc228e3a: /* @__PURE__ */ __name(function(e) {
    return e === null;
  }, "__wbg___wbindgen_is_null_c22311b1cc228e3a"), __wbg___wbindgen_is_null_or_undefined_fb96af93c75460ae: /* @__PURE__ */ __name(function(e) {
    return e == null;
  }, "__wbg___wbindgen_is_null_or_undefined_fb96af93c75460ae"), __wbg___wbindgen_is_object_8b968c3ab8e96595: /* @__PURE__ */ __name(function(e) {
    let t = e;
    return typeof t == "object" && t !== null;
  }, "__wbg___wbindgen_is_object_8b968c3ab8e96595"), __wbg___wbindgen_is_string_fc456fee5d3317de: /* @__PURE__ */ __name(function(e) {
    return typeof e == "string";
  }, "__wbg___wbindgen_is_string_fc456fee5d3317de"), __wbg___wbindgen_is_undefined_be5b34249ff1fc15: /* @__PURE__ */ __name(function(e) {
    return e === void 0;
  }, "__wbg___wbindgen_is_undefined_be5b34249ff1fc15"), __wbg___wbindgen_jsval_eq_38d7bfbe4cc84039: /* @__PURE__ */ __name(function(e, t) {
    return e === t;
  }, "__wbg___wbindgen_jsval_eq_38d7bfbe4cc84039"), __wbg___wbindgen_jsval_loose_eq_b2f214e2e4b30e36: /* @__PURE__ */ __name(function(e, t) {
    return e == t;
  }, "__wbg___wbindgen_jsval_loose_eq_b2f214e2e4b30e36"), __wbg___wbindgen_number_get_934b640d0889af78: /* @__PURE__ */ __name(function(e, t) {
    let n = t, _ = typeof n == "number" ? n : void 0;
    d().setFloat64((e >>> 0) + 8, b(_) ? 0 : _, true), d().setInt32((e >>> 0) + 0, !b(_), true);
  }, "__wbg___wbindgen_number_get_934b640d0889af78"), __wbg___wbindgen_reinit_2fe0d0b9c1cc3c21: /* @__PURE__ */ __name(function() {
    T = true;
  }, "__wbg___wbindgen_reinit_2fe0d0b9c1cc3c21"), __wbg___wbindgen_string_get_7ce8eee7fd327545: /* @__PURE__ */ __name(function(e, t) {
    let n = t, _ = typeof n == "string" ? n : void 0;
    var a = b(_) ? 0 : m(_, i.__wbindgen_malloc, i.__wbindgen_realloc), f = l;
    d().setInt32((e >>> 0) + 4, f, true), d().setInt32((e >>> 0) + 0, a, true);
  }, "__wbg___wbindgen_string_get_7ce8eee7fd327545"), __wbg___wbindgen_throw_4c88d8bf264fd984: /* @__PURE__ */ __name(function(e, t) {
    throw new WebAssembly.Exception(U, [new Error(g(e, t))]);
  }, "__wbg___wbindgen_throw_4c88d8bf264fd984"), __wbg__wbg_cb_unref_09736879a3f67559: /* @__PURE__ */ __name(function(e) {
    e._wbg_cb_unref();
  }, "__wbg__wbg_cb_unref_09736879a3f67559"), __wbg_all_d28c206485f72134: /* @__PURE__ */ __name(function(e) {
    return e.all();
  }, "__wbg_all_d28c206485f72134"), __wbg_append_ba9a4dc30a0323fd: /* @__PURE__ */ __name(function(e, t, n, _, a) {
    e.append(g(t, n), g(_, a));
  }, "__wbg_append_ba9a4dc30a0323fd"), __wbg_arrayBuffer_2fd32ecc9ba5d782: /* @__PURE__ */ __name(function(e) {
    return e.arrayBuffer();
  }, "__wbg_arrayBuffer_2fd32ecc9ba5d782"), __wbg_arrayBuffer_39a766224696fd9d: /* @__PURE__ */ __name(function(e) {
    return e.arrayBuffer();
  }, "__wbg_arrayBuffer_39a766224696fd9d"), __wbg_batch_d54a0dc86c491bc6: /* @__PURE__ */ __name(function(e, t) {
    return e.batch(t);
  }, "__wbg_batch_d54a0dc86c491bc6"), __wbg_bind_0bf8b02f8e144a7d: /* @__PURE__ */ __name(function(e, t) {
    return e.bind(...t);
  }, "__wbg_bind_0bf8b02f8e144a7d"), __wbg_buffer_aca05a93c046db1a: /* @__PURE__ */ __name(function(e) {
    return e.buffer;
  }, "__wbg_buffer_aca05a93c046db1a"), __wbg_byobRequest_18280c78e462544c: /* @__PURE__ */ __name(function(e) {
    let t = e.byobRequest;
    return b(t) ? 0 : y(t);
  }, "__wbg_byobRequest_18280c78e462544c"), __wbg_byteLength_c5f3c188d5252e5b: /* @__PURE__ */ __name(function(e) {
    return e.byteLength;
  }, "__wbg_byteLength_c5f3c188d5252e5b"), __wbg_byteOffset_63cdc7b38f33a45e: /* @__PURE__ */ __name(function(e) {
    return e.byteOffset;
  }, "__wbg_byteOffset_63cdc7b38f33a45e"), __wbg_call_275b78b3b6520b92: /* @__PURE__ */ __name(function(e, t, n, _, a) {
    return e.call(t, n, _, a);
  }, "__wbg_call_275b78b3b6520b92"), __wbg_call_40b008ba32f73991: /* @__PURE__ */ __name(function(e, t) {
    return e.call(t);
  }, "__wbg_call_40b008ba32f73991"), __wbg_call_a410eb4b59ed5965: /* @__PURE__ */ __name(function(e, t, n) {
    return e.call(t, n);
  }, "__wbg_call_a410eb4b59ed5965"), __wbg_call_fc92fee6137d452d: /* @__PURE__ */ __name(function(e, t, n, _) {
    return e.call(t, n, _);
  }, "__wbg_call_fc92fee6137d452d"), __wbg_cause_4cdda1b55a30b227: /* @__PURE__ */ __name(function(e) {
    return e.cause;
  }, "__wbg_cause_4cdda1b55a30b227"), __wbg_cf_e4bf1d08e9961dec: /* @__PURE__ */ __name(function(e) {
    let t = e.cf;
    return b(t) ? 0 : y(t);
  }, "__wbg_cf_e4bf1d08e9961dec"), __wbg_close_294d3f727cb7a844: /* @__PURE__ */ __name(function(e) {
    e.close();
  }, "__wbg_close_294d3f727cb7a844"), __wbg_close_bf94aa7e38b9a94b: /* @__PURE__ */ __name(function(e) {
    e.close();
  }, "__wbg_close_bf94aa7e38b9a94b"), __wbg_constructor_76ad3e2c50d259de: /* @__PURE__ */ __name(function(e) {
    return e.constructor;
  }, "__wbg_constructor_76ad3e2c50d259de"), __wbg_crypto_23f565a907d30078: /* @__PURE__ */ __name(function(e) {
    return e.crypto;
  }, "__wbg_crypto_23f565a907d30078"), __wbg_decodeURIComponent_ccd4273738eaf684: /* @__PURE__ */ __name(function(e, t) {
    return decodeURIComponent(g(e, t));
  }, "__wbg_decodeURIComponent_ccd4273738eaf684"), __wbg_done_57e08d0be6e30c02: /* @__PURE__ */ __name(function(e) {
    return e.done;
  }, "__wbg_done_57e08d0be6e30c02"), __wbg_enqueue_c11626eae1c54509: /* @__PURE__ */ __name(function(e, t) {
    e.enqueue(t);
  }, "__wbg_enqueue_c11626eae1c54509"), __wbg_entries_7bb1459bd9b5c2b9: /* @__PURE__ */ __name(function(e) {
    return Object.entries(e);
  }, "__wbg_entries_7bb1459bd9b5c2b9"), __wbg_error_9b95f63d905893d2: /* @__PURE__ */ __name(function(e, t) {
    console.error(e, t);
  }, "__wbg_error_9b95f63d905893d2"), __wbg_error_d1fc0193610e0e39: /* @__PURE__ */ __name(function(e) {
    console.error(e);
  }, "__wbg_error_d1fc0193610e0e39"), __wbg_first_fe3c5a977b563684: /* @__PURE__ */ __name(function(e, t, n) {
    return e.first(t === 0 ? void 0 : g(t, n));
  }, "__wbg_first_fe3c5a977b563684"), __wbg_getRandomValues_d2908e0b99612b91: /* @__PURE__ */ __name(function(e, t) {
    e.getRandomValues(t);
  }, "__wbg_getRandomValues_d2908e0b99612b91"), __wbg_get_0ae635d02d232017: /* @__PURE__ */ __name(function(e, t) {
    let n = Reflect.get(e, t);
    return b(n) ? 0 : y(n);
  }, "__wbg_get_0ae635d02d232017"), __wbg_get_2080c49015e35254: /* @__PURE__ */ __name(function(e, t) {
    return Reflect.get(e, t);
  }, "__wbg_get_2080c49015e35254"), __wbg_get_556f1c9a5c587e8c: /* @__PURE__ */ __name(function(e, t, n, _) {
    let a = t.get(g(n, _));
    var f = b(a) ? 0 : m(a, i.__wbindgen_malloc, i.__wbindgen_realloc), u = l;
    d().setInt32((e >>> 0) + 4, u, true), d().setInt32((e >>> 0) + 0, f, true);
  }, "__wbg_get_556f1c9a5c587e8c"), __wbg_get_5c28e15912dc5a17: /* @__PURE__ */ __name(function(e, t, n, _) {
    let a, f;
    try {
      return a = t, f = n, e.get(g(t, n), _);
    } finally {
      s();
      try {
        i.__wbindgen_free(a, f, 1);
      } catch (u) {
        o(u);
      }
    }
  }, "__wbg_get_5c28e15912dc5a17"), __wbg_get_635eea311fa1a291: /* @__PURE__ */ __name(function(e, t) {
    return Reflect.get(e, t);
  }, "__wbg_get_635eea311fa1a291"), __wbg_get_d7176cfb76d71114: /* @__PURE__ */ __name(function(e, t) {
    return e[t >>> 0];
  }, "__wbg_get_d7176cfb76d71114"), __wbg_get_unchecked_e6325ad374eff861: /* @__PURE__ */ __name(function(e, t) {
    return e[t >>> 0];
  }, "__wbg_get_unchecked_e6325ad374eff861"), __wbg_get_with_ref_key_fc601247060b7204: /* @__PURE__ */ __name(function(e, t) {
    return e[t];
  }, "__wbg_get_with_ref_key_fc601247060b7204"), __wbg_headers_9ef80dd266706f48: /* @__PURE__ */ __name(function(e) {
    return e.headers;
  }, "__wbg_headers_9ef80dd266706f48"), __wbg_instanceId_65a51bedfd10160a: /* @__PURE__ */ __name(function(e) {
    return e.instanceId;
  }, "__wbg_instanceId_65a51bedfd10160a"), __wbg_instanceof_ArrayBuffer_12cdaa4161423e6b: /* @__PURE__ */ __name(function(e) {
    let t;
    try {
      t = e instanceof ArrayBuffer;
    } catch {
      t = false;
    }
    return t;
  }, "__wbg_instanceof_ArrayBuffer_12cdaa4161423e6b"), __wbg_instanceof_Error_74e3cca0c4a69161: /* @__PURE__ */ __name(function(e) {
    let t;
    try {
      t = e instanceof Error;
    } catch {
      t = false;
    }
    return t;
  }, "__wbg_instanceof_Error_74e3cca0c4a69161"), __wbg_instanceof_Map_0b4fc8b62e73f163: /* @__PURE__ */ __name(function(e) {
    let t;
    try {
      t = e instanceof Map;
    } catch {
      t = false;
    }
    return t;
  }, "__wbg_instanceof_Map_0b4fc8b62e73f163"), __wbg_instanceof_Uint8Array_d7aeb0dcb3108fea: /* @__PURE__ */ __name(function(e) {
    let t;
    try {
      t = e instanceof Uint8Array;
    } catch {
      t = false;
    }
    return t;
  }, "__wbg_instanceof_Uint8Array_d7aeb0dcb3108fea"), __wbg_isArray_bcf1376d0d732d08: /* @__PURE__ */ __name(function(e) {
    return Array.isArray(e);
  }, "__wbg_isArray_bcf1376d0d732d08"), __wbg_isSafeInteger_1a35ba4d31e71d38: /* @__PURE__ */ __name(function(e) {
    return Number.isSafeInteger(e);
  }, "__wbg_isSafeInteger_1a35ba4d31e71d38"), __wbg_iterator_e4c5e8f68ada7b58: /* @__PURE__ */ __name(function() {
    return Symbol.iterator;
  }, "__wbg_iterator_e4c5e8f68ada7b58"), __wbg_length_186163212ffe79c3: /* @__PURE__ */ __name(function(e) {
    return e.length;
  }, "__wbg_length_186163212ffe79c3"), __wbg_length_b03a0fabb109b1e9: /* @__PURE__ */ __name(function(e) {
    return e.length;
  }, "__wbg_length_b03a0fabb109b1e9"), __wbg_message_43d8c8f1d543a349: /* @__PURE__ */ __name(function(e) {
    return e.message;
  }, "__wbg_message_43d8c8f1d543a349"), __wbg_meta_16ceaf7f888080b3: /* @__PURE__ */ __name(function(e) {
    return e.meta;
  }, "__wbg_meta_16ceaf7f888080b3"), __wbg_method_3d406ebab4dd9853: /* @__PURE__ */ __name(function(e, t) {
    let n = t.method, _ = m(n, i.__wbindgen_malloc, i.__wbindgen_realloc), a = l;
    d().setInt32((e >>> 0) + 4, a, true), d().setInt32((e >>> 0) + 0, _, true);
  }, "__wbg_method_3d406ebab4dd9853"), __wbg_msCrypto_d5f06fad6bf1409b: /* @__PURE__ */ __name(function(e) {
    return e.msCrypto;
  }, "__wbg_msCrypto_d5f06fad6bf1409b"), __wbg_name_d1fa514fdca6a975: /* @__PURE__ */ __name(function(e) {
    return e.name;
  }, "__wbg_name_d1fa514fdca6a975"), __wbg_name_fd11f69c917c5670: /* @__PURE__ */ __name(function(e) {
    return e.name;
  }, "__wbg_name_fd11f69c917c5670"), __wbg_new_0f40481d596956ea: /* @__PURE__ */ __name(function(e) {
    return new FixedLengthStream(e >>> 0);
  }, "__wbg_new_0f40481d596956ea"), __wbg_new_13de428334042d26: /* @__PURE__ */ __name(function(e) {
    return new Uint8Array(e);
  }, "__wbg_new_13de428334042d26"), __wbg_new_277c27c26f94cbc2: /* @__PURE__ */ __name(function() {
    return new Headers();
  }, "__wbg_new_277c27c26f94cbc2"), __wbg_new_37eb45aaf5eeb820: /* @__PURE__ */ __name(function() {
    return new Array();
  }, "__wbg_new_37eb45aaf5eeb820"), __wbg_new_7075786089b89c5e: /* @__PURE__ */ __name(function() {
    return /* @__PURE__ */ new Map();
  }, "__wbg_new_7075786089b89c5e"), __wbg_new_787b9fb330d55d78: /* @__PURE__ */ __name(function(e, t) {
    return new Error(g(e, t));
  }, "__wbg_new_787b9fb330d55d78"), __wbg_new_big_int_f9fb53cbbcf59d3d: /* @__PURE__ */ __name(function(e) {
    return new FixedLengthStream(e);
  }, "__wbg_new_big_int_f9fb53cbbcf59d3d"), __wbg_new_cd4348290afae586: /* @__PURE__ */ __name(function() {
    return new Object();
  }, "__wbg_new_cd4348290afae586"), __wbg_new_typed_e09da9dae6ee5935: /* @__PURE__ */ __name(function(e, t) {
    try {
      var n = { a: e, b: t }, _ = /* @__PURE__ */ __name((f, u) => {
        let w = n.a;
        n.a = 0;
        try {
          return re(w, n.b, f, u);
        } finally {
          n.a = w;
        }
      }, "_");
      return new Promise(_);
    } finally {
      n.a = 0;
    }
  }, "__wbg_new_typed_e09da9dae6ee5935"), __wbg_new_with_byte_offset_and_length_3cd32055a417f095: /* @__PURE__ */ __name(function(e, t, n) {
    return new Uint8Array(e, t >>> 0, n >>> 0);
  }, "__wbg_new_with_byte_offset_and_length_3cd32055a417f095"), __wbg_new_with_into_underlying_source_ba3944e7f4c9d0c3: /* @__PURE__ */ __name(function(e, t) {
    return new ReadableStream(S.__wrap(e), t);
  }, "__wbg_new_with_into_underlying_source_ba3944e7f4c9d0c3"), __wbg_new_with_length_01b143a7e5dd5a3e: /* @__PURE__ */ __name(function(e) {
    return new Uint8Array(e >>> 0);
  }, "__wbg_new_with_length_01b143a7e5dd5a3e"), __wbg_new_with_opt_buffer_source_and_init_efb63b64b37a12c7: /* @__PURE__ */ __name(function(e, t) {
    return new Response(e, t);
  }, "__wbg_new_with_opt_buffer_source_and_init_efb63b64b37a12c7"), __wbg_new_with_opt_readable_stream_and_init_383c64eccf9e9cc7: /* @__PURE__ */ __name(function(e, t) {
    return new Response(e, t);
  }, "__wbg_new_with_opt_readable_stream_and_init_383c64eccf9e9cc7"), __wbg_new_with_opt_str_and_init_6456bed24baae6fc: /* @__PURE__ */ __name(function(e, t, n) {
    return new Response(e === 0 ? void 0 : g(e, t), n);
  }, "__wbg_new_with_opt_str_and_init_6456bed24baae6fc"), __wbg_next_178c1651c11432b3: /* @__PURE__ */ __name(function(e) {
    return e.next;
  }, "__wbg_next_178c1651c11432b3"), __wbg_next_af5ac6a08bb0a717: /* @__PURE__ */ __name(function(e) {
    return e.next();
  }, "__wbg_next_af5ac6a08bb0a717"), __wbg_node_86166ff8ce1f2002: /* @__PURE__ */ __name(function(e) {
    return e.node;
  }, "__wbg_node_86166ff8ce1f2002"), __wbg_now_463ac581d2fc7ea3: /* @__PURE__ */ __name(function() {
    return Date.now();
  }, "__wbg_now_463ac581d2fc7ea3"), __wbg_pipeTo_a955693c847d79e3: /* @__PURE__ */ __name(function(e, t) {
    return e.pipeTo(t);
  }, "__wbg_pipeTo_a955693c847d79e3"), __wbg_prepare_50d1ec53a3871b75: /* @__PURE__ */ __name(function(e, t, n) {
    return e.prepare(g(t, n));
  }, "__wbg_prepare_50d1ec53a3871b75"), __wbg_process_91f425a63f58e399: /* @__PURE__ */ __name(function(e) {
    return e.process;
  }, "__wbg_process_91f425a63f58e399"), __wbg_prototypesetcall_13162965d1fe7aa3: /* @__PURE__ */ __name(function(e, t, n) {
    Uint8Array.prototype.set.call(L(e, t), n);
  }, "__wbg_prototypesetcall_13162965d1fe7aa3"), __wbg_push_c9f4893fc209f768: /* @__PURE__ */ __name(function(e, t) {
    return e.push(t);
  }, "__wbg_push_c9f4893fc209f768"), __wbg_put_71e6bd12597a13aa: /* @__PURE__ */ __name(function(e, t, n, _, a) {
    let f, u;
    try {
      return f = t, u = n, e.put(g(t, n), _, a);
    } finally {
      s();
      try {
        i.__wbindgen_free(f, u, 1);
      } catch (w) {
        o(w);
      }
    }
  }, "__wbg_put_71e6bd12597a13aa"), __wbg_queueMicrotask_1e8503a8a690f0a3: /* @__PURE__ */ __name(function(e) {
    return e.queueMicrotask;
  }, "__wbg_queueMicrotask_1e8503a8a690f0a3"), __wbg_queueMicrotask_4a1a4d8dd332373b: /* @__PURE__ */ __name(function(e) {
    queueMicrotask(e);
  }, "__wbg_queueMicrotask_4a1a4d8dd332373b"), __wbg_randomFillSync_34b023059e3363de: /* @__PURE__ */ __name(function(e, t) {
    e.randomFillSync(t);
  }, "__wbg_randomFillSync_34b023059e3363de"), __wbg_readable_e49a1e3aca2bf0e0: /* @__PURE__ */ __name(function(e) {
    return e.readable;
  }, "__wbg_readable_e49a1e3aca2bf0e0"), __wbg_require_9a7d8cc2e1d275c0: /* @__PURE__ */ __name(function() {
    return module.require;
  }, "__wbg_require_9a7d8cc2e1d275c0"), __wbg_resolve_dbf78ab4942478b0: /* @__PURE__ */ __name(function(e) {
    return Promise.resolve(e);
  }, "__wbg_resolve_dbf78ab4942478b0"), __wbg_respond_d97c023ee981d1f5: /* @__PURE__ */ __name(function(e, t) {
    e.respond(t >>> 0);
  }, "__wbg_respond_d97c023ee981d1f5"), __wbg_results_978a5156e9f5bf3d: /* @__PURE__ */ __name(function(e) {
    let t = e.results;
    return b(t) ? 0 : y(t);
  }, "__wbg_results_978a5156e9f5bf3d"), __wbg_run_ba372e9d0b56e06f: /* @__PURE__ */ __name(function(e) {
    return e.run();
  }, "__wbg_run_ba372e9d0b56e06f"), __wbg_set_2793479888329cb6: /* @__PURE__ */ __name(function(e, t, n) {
    return Reflect.set(e, t, n);
  }, "__wbg_set_2793479888329cb6"), __wbg_set_8282f7e0d2d01336: /* @__PURE__ */ __name(function(e, t, n) {
    return e.set(t, n);
  }, "__wbg_set_8282f7e0d2d01336"), __wbg_set_bcb0ec2400cfa22e: /* @__PURE__ */ __name(function(e, t, n, _, a) {
    e.set(g(t, n), g(_, a));
  }, "__wbg_set_bcb0ec2400cfa22e"), __wbg_set_criticalError_c30445da7038dbf2: /* @__PURE__ */ __name(function(e, t) {
    e.criticalError = t !== 0;
  }, "__wbg_set_criticalError_c30445da7038dbf2"), __wbg_set_d2d33b52458e984a: /* @__PURE__ */ __name(function(e, t, n) {
    e[t >>> 0] = n;
  }, "__wbg_set_d2d33b52458e984a"), __wbg_set_e4b9a833d288759a: /* @__PURE__ */ __name(function(e, t, n) {
    e[t] = n;
  }, "__wbg_set_e4b9a833d288759a"), __wbg_set_feb3714f475485ba: /* @__PURE__ */ __name(function(e, t, n) {
    e.set(L(t, n));
  }, "__wbg_set_feb3714f475485ba"), __wbg_set_headers_07f10dbe49bc0e77: /* @__PURE__ */ __name(function(e, t) {
    e.headers = t;
  }, "__wbg_set_headers_07f10dbe49bc0e77"), __wbg_set_high_water_mark_2c2355a75a627679: /* @__PURE__ */ __name(function(e, t) {
    e.highWaterMark = t;
  }, "__wbg_set_high_water_mark_2c2355a75a627679"), __wbg_set_instanceId_6f5f77d81e249b49: /* @__PURE__ */ __name(function(e, t) {
    e.instanceId = t >>> 0;
  }, "__wbg_set_instanceId_6f5f77d81e249b49"), __wbg_set_status_bd9dc81d1c17b108: /* @__PURE__ */ __name(function(e, t) {
    e.status = t;
  }, "__wbg_set_status_bd9dc81d1c17b108"), __wbg_static_accessor_GLOBAL_THIS_003ee833af9699fc: /* @__PURE__ */ __name(function() {
    let e = typeof globalThis > "u" ? void 0 : globalThis;
    return b(e) ? 0 : y(e);
  }, "__wbg_static_accessor_GLOBAL_THIS_003ee833af9699fc"), __wbg_static_accessor_GLOBAL_e4293fb22cbe77da: /* @__PURE__ */ __name(function() {
    let e = typeof global > "u" ? void 0 : global;
    return b(e) ? 0 : y(e);
  }, "__wbg_static_accessor_GLOBAL_e4293fb22cbe77da"), __wbg_static_accessor_INIT_STATE_b2269150d11f01e0: /* @__PURE__ */ __name(function() {
    return J;
  }, "__wbg_static_accessor_INIT_STATE_b2269150d11f01e0"), __wbg_static_accessor_SELF_53bb20457401453d: /* @__PURE__ */ __name(function() {
    let e = typeof self > "u" ? void 0 : self;
    return b(e) ? 0 : y(e);
  }, "__wbg_static_accessor_SELF_53bb20457401453d"), __wbg_static_accessor_WINDOW_b5e0810bfecb7feb: /* @__PURE__ */ __name(function() {
    let e = typeof window > "u" ? void 0 : window;
    return b(e) ? 0 : y(e);
  }, "__wbg_static_accessor_WINDOW_b5e0810bfecb7feb"), __wbg_stringify_0a0fbf2ef722380a: /* @__PURE__ */ __name(function(e) {
    return JSON.stringify(e);
  }, "__wbg_stringify_0a0fbf2ef722380a"), __wbg_subarray_58f388a9247ac0bb: /* @__PURE__ */ __name(function(e, t, n) {
    return e.subarray(t >>> 0, n >>> 0);
  }, "__wbg_subarray_58f388a9247ac0bb"), __wbg_then_656f253a5dd7d8ea: /* @__PURE__ */ __name(function(e, t, n) {
    return e.then(t, n);
  }, "__wbg_then_656f253a5dd7d8ea"), __wbg_then_e3f7f2d365708be8: /* @__PURE__ */ __name(function(e, t) {
    return e.then(t);
  }, "__wbg_then_e3f7f2d365708be8"), __wbg_url_1be993c7b186415b: /* @__PURE__ */ __name(function(e, t) {
    let n = t.url, _ = m(n, i.__wbindgen_malloc, i.__wbindgen_realloc), a = l;
    d().setInt32((e >>> 0) + 4, a, true), d().setInt32((e >>> 0) + 0, _, true);
  }, "__wbg_url_1be993c7b186415b"), __wbg_value_e0f328965e184931: /* @__PURE__ */ __name(function(e) {
    return e.value;
  }, "__wbg_value_e0f328965e184931"), __wbg_versions_6e128a981b0df859: /* @__PURE__ */ __name(function(e) {
    return e.versions;
  }, "__wbg_versions_6e128a981b0df859"), __wbg_view_3b708d3bdaf3fc96: /* @__PURE__ */ __name(function(e) {
    let t = e.view;
    return b(t) ? 0 : y(t);
  }, "__wbg_view_3b708d3bdaf3fc96"), __wbg_writable_9e4740dc4a808f89: /* @__PURE__ */ __name(function(e) {
    return e.writable;
  }, "__wbg_writable_9e4740dc4a808f89"), __wbindgen_generic_0000000000000001: /* @__PURE__ */ __name(function(e, t) {
    return ue(e, t, ne);
  }, "__wbindgen_generic_0000000000000001"), __wbindgen_generic_0000000000000002: /* @__PURE__ */ __name(function(e) {
    return e;
  }, "__wbindgen_generic_0000000000000002"), __wbindgen_generic_0000000000000003: /* @__PURE__ */ __name(function(e) {
    return e;
  }, "__wbindgen_generic_0000000000000003"), __wbindgen_generic_0000000000000004: /* @__PURE__ */ __name(function(e, t) {
    return L(e, t);
  }, "__wbindgen_generic_0000000000000004"), __wbindgen_generic_0000000000000005: /* @__PURE__ */ __name(function(e, t) {
    return g(e, t);
  }, "__wbindgen_generic_0000000000000005"), __wbindgen_generic_0000000000000006: /* @__PURE__ */ __name(function(e) {
    return BigInt.asUintN(64, e);
  }, "__wbindgen_generic_0000000000000006"), __wbindgen_init_externref_table: /* @__PURE__ */ __name(function() {
    let e = i.__wbindgen_externrefs;
    e.set(0, void 0), e.set(1024, void 0), e.set(1025, null), e.set(1026, true), e.set(1027, false);
  }, "__wbindgen_init_externref_table"), __wbindgen_jstag: WebAssembly.JSTag, __wbindgen_rethrow_critical: /* @__PURE__ */ __name(function(e) {
    throw new Error("Critical error", { cause: e });
  }, "__wbindgen_rethrow_critical") } };
}
__name(Y, "Y");
var U = new WebAssembly.Tag({ parameters: ["externref"] });
var B;
var D = false;
function Z() {
  D = true;
  try {
    let r2 = N()[i.__abort_handler.value / 4];
    r2 && i.__wbindgen_export.get(r2)();
  } catch {
  }
}
__name(Z, "Z");
function o(r2) {
  throw r2 instanceof WebAssembly.Exception && r2.is(U) ? r2.getArg(U, 0) : (N()[B] = 1, Z(), r2);
}
__name(o, "o");
function s() {
  if (B ??= i.__instance_terminated.value / 4, N()[B]) {
    if (D || Z(), T) {
      O();
      return;
    }
    throw new Error("Module terminated");
  } else T && O();
}
__name(s, "s");
function ne(r2, e, t) {
  let n;
  s();
  try {
    n = i.wasm_bindgen__convert__closures_____invoke__h4464c10eb09f1ac5(r2, e, t);
  } catch (_) {
    o(_);
  }
  if (n[1]) throw de(n[0]);
}
__name(ne, "ne");
function re(r2, e, t, n) {
  s();
  try {
    i.wasm_bindgen__convert__closures_____invoke__h143f5c6b25ff2a69(r2, e, t, n);
  } catch (_) {
    o(_);
  }
}
__name(re, "re");
var _e = ["bytes"];
var c = 0;
var ie = typeof FinalizationRegistry > "u" ? { register: /* @__PURE__ */ __name(() => {
}, "register"), unregister: /* @__PURE__ */ __name(() => {
}, "unregister") } : new FinalizationRegistry(({ ptr: r2, instance: e }) => {
  e === c && i.__wbg_containerstartupoptions_free(r2, 1);
});
var oe = typeof FinalizationRegistry > "u" ? { register: /* @__PURE__ */ __name(() => {
}, "register"), unregister: /* @__PURE__ */ __name(() => {
}, "unregister") } : new FinalizationRegistry(({ ptr: r2, instance: e }) => {
  e === c && i.__wbg_intounderlyingbytesource_free(r2, 1);
});
var se = typeof FinalizationRegistry > "u" ? { register: /* @__PURE__ */ __name(() => {
}, "register"), unregister: /* @__PURE__ */ __name(() => {
}, "unregister") } : new FinalizationRegistry(({ ptr: r2, instance: e }) => {
  e === c && i.__wbg_intounderlyingsink_free(r2, 1);
});
var H = typeof FinalizationRegistry > "u" ? { register: /* @__PURE__ */ __name(() => {
}, "register"), unregister: /* @__PURE__ */ __name(() => {
}, "unregister") } : new FinalizationRegistry(({ ptr: r2, instance: e }) => {
  e === c && i.__wbg_intounderlyingsource_free(r2, 1);
});
var ce = typeof FinalizationRegistry > "u" ? { register: /* @__PURE__ */ __name(() => {
}, "register"), unregister: /* @__PURE__ */ __name(() => {
}, "unregister") } : new FinalizationRegistry(({ ptr: r2, instance: e }) => {
  e === c && i.__wbg_minifyconfig_free(r2, 1);
});
var ae = typeof FinalizationRegistry > "u" ? { register: /* @__PURE__ */ __name(() => {
}, "register"), unregister: /* @__PURE__ */ __name(() => {
}, "unregister") } : new FinalizationRegistry(({ ptr: r2, instance: e }) => {
  e === c && i.__wbg_r2range_free(r2, 1);
});
function y(r2) {
  let e = i.__externref_table_alloc();
  return i.__wbindgen_externrefs.set(e, r2), e;
}
__name(y, "y");
var G = typeof FinalizationRegistry > "u" ? { register: /* @__PURE__ */ __name(() => {
}, "register"), unregister: /* @__PURE__ */ __name(() => {
}, "unregister") } : new FinalizationRegistry((r2) => {
  r2.instance === c && i.__wbindgen_destroy_closure(r2.a, r2.b);
});
function ee(r2) {
  switch (typeof r2) {
    case "number":
    case "boolean":
    case "undefined":
      return `${r2}`;
    case "string":
      return JSON.stringify(r2);
    case "bigint":
      return `${r2}n`;
    case "symbol":
      return r2.description !== void 0 ? `Symbol(${r2.description})` : "Symbol";
    case "function":
      return typeof r2.name == "string" && r2.name !== "" ? `Function(${r2.name})` : "Function";
    case "object": {
      if (r2 === null) return "null";
      if (Array.isArray(r2)) return "[" + Array.from(r2, ee).join(", ") + "]";
      if (r2 instanceof Error) return `${r2.name}: ${r2.message}
${r2.stack}`;
      let e = toString.call(r2), t = /\[object ([^\]]+)\]/.exec(e)?.[1];
      if (t === void 0) return e;
      if (t === "Object") try {
        return "Object(" + JSON.stringify(r2) + ")";
      } catch {
        return "Object";
      }
      return t;
    }
  }
}
__name(ee, "ee");
function fe(r2, e) {
  r2 = r2 >>> 0;
  let t = d(), n = [];
  for (let _ = r2; _ < r2 + 4 * e; _ += 4) n.push(i.__wbindgen_externrefs.get(t.getUint32(_, true)));
  return i.__externref_drop_slice(r2, e), n;
}
__name(fe, "fe");
function L(r2, e) {
  return r2 = r2 >>> 0, F().subarray(r2 / 1, r2 / 1 + e);
}
__name(L, "L");
var p = null;
function d() {
  return (p === null || p.buffer.detached === true || p.buffer.detached === void 0 && p.buffer !== i.memory.buffer) && (p = new DataView(i.memory.buffer)), p;
}
__name(d, "d");
var R = null;
function N() {
  return (R === null || R.byteLength === 0) && (R = new Int32Array(i.memory.buffer)), R;
}
__name(N, "N");
function g(r2, e) {
  return r2 = r2 >>> 0, we(F().subarray(r2, r2 + e));
}
__name(g, "g");
var j = null;
function F() {
  return (j === null || j.byteLength === 0) && (j = new Uint8Array(i.memory.buffer)), j;
}
__name(F, "F");
function b(r2) {
  return r2 == null;
}
__name(b, "b");
function ue(r2, e, t) {
  let n = { a: r2, b: e, cnt: 1, instance: c }, _ = /* @__PURE__ */ __name((...a) => {
    if (n.instance !== c) throw new Error("Cannot invoke closure from previous WASM instance");
    n.cnt++;
    let f = n.a;
    n.a = 0;
    try {
      return t(f, n.b, ...a);
    } finally {
      n.a = f, _._wbg_cb_unref();
    }
  }, "_");
  return _._wbg_cb_unref = () => {
    --n.cnt === 0 && (i.__wbindgen_destroy_closure(n.a, n.b), n.a = 0, G.unregister(n));
  }, G.register(_, n, n), _;
}
__name(ue, "ue");
function be(r2, e) {
  let t = e(r2.length * 4, 4) >>> 0;
  for (let n = 0; n < r2.length; n++) {
    let _ = y(r2[n]);
    d().setUint32(t + 4 * n, _, true);
  }
  return l = r2.length, t;
}
__name(be, "be");
function m(r2, e, t) {
  if (t === void 0) {
    let u = W.encode(r2), w = e(u.length, 1) >>> 0;
    return F().subarray(w, w + u.length).set(u), l = u.length, w;
  }
  let n = r2.length, _ = e(n, 1) >>> 0, a = F(), f = 0;
  for (; f < n; f++) {
    let u = r2.charCodeAt(f);
    if (u > 127) break;
    a[_ + f] = u;
  }
  if (f !== n) {
    f !== 0 && (r2 = r2.slice(f)), _ = t(_, n, n = f + r2.length * 3, 1) >>> 0;
    let u = F().subarray(_ + f, _ + n), w = W.encodeInto(r2, u);
    f += w.written, _ = t(_, n, f, 1) >>> 0;
  }
  return l = f, _;
}
__name(m, "m");
var T = false;
function de(r2) {
  let e = i.__wbindgen_externrefs.get(r2);
  return i.__externref_table_dealloc(r2), e;
}
__name(de, "de");
var te = new TextDecoder("utf-8", { ignoreBOM: true });
te.decode();
function we(r2) {
  return te.decode(r2);
}
__name(we, "we");
var W = new TextEncoder();
"encodeInto" in W || (W.encodeInto = function(r2, e) {
  let t = W.encode(r2);
  return e.set(t), { read: r2.length, written: t.length };
});
var l = 0;
var q = new WebAssembly.Instance(K, Y());
var i = q.exports;
i.__wbindgen_start();
Error.stackTraceLimit = 100;
var h = Q();
function V() {
  h.criticalError && (console.log("Reinitializing Wasm application"), O(), h.criticalError = false, h.instanceId++);
}
__name(V, "V");
addEventListener("error", (r2) => {
  $(r2.error);
});
function $(r2) {
  r2 instanceof WebAssembly.RuntimeError && (console.error("Critical", r2), h.criticalError = true);
}
__name($, "$");
var z = class extends le {
  static {
    __name(this, "z");
  }
};
z.prototype.fetch = function(e) {
  return X.call(this, e, this.env, this.ctx);
};
var ye = { set: /* @__PURE__ */ __name((r2, e, t, n) => Reflect.set(r2.instance, e, t, n), "set"), has: /* @__PURE__ */ __name((r2, e) => Reflect.has(r2.instance, e), "has"), deleteProperty: /* @__PURE__ */ __name((r2, e) => Reflect.deleteProperty(r2.instance, e), "deleteProperty"), apply: /* @__PURE__ */ __name((r2, e, t) => Reflect.apply(r2.instance, e, t), "apply"), construct: /* @__PURE__ */ __name((r2, e, t) => Reflect.construct(r2.instance, e, t), "construct"), getPrototypeOf: /* @__PURE__ */ __name((r2) => Reflect.getPrototypeOf(r2.instance), "getPrototypeOf"), setPrototypeOf: /* @__PURE__ */ __name((r2, e) => Reflect.setPrototypeOf(r2.instance, e), "setPrototypeOf"), isExtensible: /* @__PURE__ */ __name((r2) => Reflect.isExtensible(r2.instance), "isExtensible"), preventExtensions: /* @__PURE__ */ __name((r2) => Reflect.preventExtensions(r2.instance), "preventExtensions"), getOwnPropertyDescriptor: /* @__PURE__ */ __name((r2, e) => Reflect.getOwnPropertyDescriptor(r2.instance, e), "getOwnPropertyDescriptor"), defineProperty: /* @__PURE__ */ __name((r2, e, t) => Reflect.defineProperty(r2.instance, e, t), "defineProperty"), ownKeys: /* @__PURE__ */ __name((r2) => Reflect.ownKeys(r2.instance), "ownKeys") };
var M = { construct(r2, e, t) {
  try {
    V();
    let n = { instance: Reflect.construct(r2, e, t), instanceId: h.instanceId, ctor: r2, args: e, newTarget: t };
    return new Proxy(n, { ...ye, get(_, a, f) {
      _.instanceId !== h.instanceId && (_.instance = Reflect.construct(_.ctor, _.args, _.newTarget), _.instanceId = h.instanceId);
      let u = Reflect.get(_.instance, a, f);
      return typeof u != "function" ? u : u.constructor === Function ? new Proxy(u, { apply(w, P, C) {
        V();
        try {
          return w.apply(P, C);
        } catch (E) {
          throw $(E), E;
        }
      } }) : new Proxy(u, { async apply(w, P, C) {
        V();
        try {
          return await w.apply(P, C);
        } catch (E) {
          throw $(E), E;
        }
      } });
    } });
  } catch (n) {
    throw h.criticalError = true, n;
  }
} };
var Ie = new Proxy(z, M);
var xe = new Proxy(v, M);
var Ee = new Proxy(I, M);
var Re = new Proxy(x, M);

// ../../node_modules/wrangler/templates/middleware/middleware-ensure-req-body-drained.ts
var drainBody = /* @__PURE__ */ __name(async (request, env, _ctx, middlewareCtx) => {
  try {
    return await middlewareCtx.next(request, env);
  } finally {
    try {
      if (request.body !== null && !request.bodyUsed) {
        const reader = request.body.getReader();
        while (!(await reader.read()).done) {
        }
      }
    } catch (e) {
      console.error("Failed to drain the unused request body.", e);
    }
  }
}, "drainBody");
var middleware_ensure_req_body_drained_default = drainBody;

// ../../node_modules/wrangler/templates/middleware/middleware-miniflare3-json-error.ts
function reduceError(e) {
  return {
    name: e?.name,
    message: e?.message ?? String(e),
    stack: e?.stack,
    cause: e?.cause === void 0 ? void 0 : reduceError(e.cause)
  };
}
__name(reduceError, "reduceError");
var jsonError = /* @__PURE__ */ __name(async (request, env, _ctx, middlewareCtx) => {
  try {
    return await middlewareCtx.next(request, env);
  } catch (e) {
    const error = reduceError(e);
    return Response.json(error, {
      status: 500,
      headers: { "MF-Experimental-Error-Stack": "true" }
    });
  }
}, "jsonError");
var middleware_miniflare3_json_error_default = jsonError;

// wrangler-config:config:middleware/patch-console-prefix
var prefix = "[webox-marketplace]";

// ../../node_modules/wrangler/templates/middleware/middleware-patch-console-prefix.ts
["log", "debug", "info"].forEach((method) => {
  globalThis.console[method] = new Proxy(globalThis.console[method], {
    apply(target, thisArg, argumentsList) {
      return target.apply(thisArg, [prefix, ...argumentsList]);
    }
  });
});
var passthrough = /* @__PURE__ */ __name((request, env, _ctx, middlewareCtx) => {
  return middlewareCtx.next(request, env);
}, "passthrough");
var middleware_patch_console_prefix_default = passthrough;

// .wrangler/tmp/bundle-l3Tnzs/middleware-insertion-facade.js
var __INTERNAL_WRANGLER_MIDDLEWARE__ = [
  middleware_ensure_req_body_drained_default,
  middleware_miniflare3_json_error_default,
  middleware_patch_console_prefix_default
];
var middleware_insertion_facade_default = Ie;

// ../../node_modules/wrangler/templates/middleware/common.ts
var __facade_middleware__ = [];
function __facade_register__(...args) {
  __facade_middleware__.push(...args.flat());
}
__name(__facade_register__, "__facade_register__");
function __facade_invokeChain__(request, env, ctx, dispatch, middlewareChain) {
  const [head, ...tail] = middlewareChain;
  const middlewareCtx = {
    dispatch,
    next(newRequest, newEnv) {
      return __facade_invokeChain__(newRequest, newEnv, ctx, dispatch, tail);
    }
  };
  return head(request, env, ctx, middlewareCtx);
}
__name(__facade_invokeChain__, "__facade_invokeChain__");
function __facade_invoke__(request, env, ctx, dispatch, finalMiddleware) {
  return __facade_invokeChain__(request, env, ctx, dispatch, [
    ...__facade_middleware__,
    finalMiddleware
  ]);
}
__name(__facade_invoke__, "__facade_invoke__");

// .wrangler/tmp/bundle-l3Tnzs/middleware-loader.entry.ts
var __Facade_ScheduledController__ = class ___Facade_ScheduledController__ {
  constructor(scheduledTime, cron, noRetry) {
    this.scheduledTime = scheduledTime;
    this.cron = cron;
    this.#noRetry = noRetry;
  }
  static {
    __name(this, "__Facade_ScheduledController__");
  }
  #noRetry;
  noRetry() {
    if (!(this instanceof ___Facade_ScheduledController__)) {
      throw new TypeError("Illegal invocation");
    }
    this.#noRetry();
  }
};
function wrapExportedHandler(worker) {
  if (__INTERNAL_WRANGLER_MIDDLEWARE__ === void 0 || __INTERNAL_WRANGLER_MIDDLEWARE__.length === 0) {
    return worker;
  }
  for (const middleware of __INTERNAL_WRANGLER_MIDDLEWARE__) {
    __facade_register__(middleware);
  }
  const fetchDispatcher = /* @__PURE__ */ __name(function(request, env, ctx) {
    if (worker.fetch === void 0) {
      throw new Error("Handler does not export a fetch() function.");
    }
    return worker.fetch(request, env, ctx);
  }, "fetchDispatcher");
  return {
    ...worker,
    fetch(request, env, ctx) {
      const dispatcher = /* @__PURE__ */ __name(function(type, init) {
        if (type === "scheduled" && worker.scheduled !== void 0) {
          const controller = new __Facade_ScheduledController__(
            Date.now(),
            init.cron ?? "",
            () => {
            }
          );
          return worker.scheduled(controller, env, ctx);
        }
      }, "dispatcher");
      return __facade_invoke__(request, env, ctx, dispatcher, fetchDispatcher);
    }
  };
}
__name(wrapExportedHandler, "wrapExportedHandler");
function wrapWorkerEntrypoint(klass) {
  if (__INTERNAL_WRANGLER_MIDDLEWARE__ === void 0 || __INTERNAL_WRANGLER_MIDDLEWARE__.length === 0) {
    return klass;
  }
  for (const middleware of __INTERNAL_WRANGLER_MIDDLEWARE__) {
    __facade_register__(middleware);
  }
  return class extends klass {
    #fetchDispatcher = /* @__PURE__ */ __name((request, env, ctx) => {
      this.env = env;
      this.ctx = ctx;
      if (super.fetch === void 0) {
        throw new Error("Entrypoint class does not define a fetch() function.");
      }
      return super.fetch(request);
    }, "#fetchDispatcher");
    #dispatcher = /* @__PURE__ */ __name((type, init) => {
      if (type === "scheduled" && super.scheduled !== void 0) {
        const controller = new __Facade_ScheduledController__(
          Date.now(),
          init.cron ?? "",
          () => {
          }
        );
        return super.scheduled(controller);
      }
    }, "#dispatcher");
    fetch(request) {
      return __facade_invoke__(
        request,
        this.env,
        this.ctx,
        this.#dispatcher,
        this.#fetchDispatcher
      );
    }
  };
}
__name(wrapWorkerEntrypoint, "wrapWorkerEntrypoint");
var WRAPPED_ENTRY;
if (typeof middleware_insertion_facade_default === "object") {
  WRAPPED_ENTRY = wrapExportedHandler(middleware_insertion_facade_default);
} else if (typeof middleware_insertion_facade_default === "function") {
  WRAPPED_ENTRY = wrapWorkerEntrypoint(middleware_insertion_facade_default);
}
var middleware_loader_entry_default = WRAPPED_ENTRY;
export {
  xe as ContainerStartupOptions,
  Ee as MinifyConfig,
  Re as R2Range,
  __INTERNAL_WRANGLER_MIDDLEWARE__,
  middleware_loader_entry_default as default
};
//# sourceMappingURL=index.js.map
