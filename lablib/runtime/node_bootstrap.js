// A lean Node.js runtime interface client for the local Lambda (nodejs20.x/22.x/24.x).
//
// Speaks the Lambda Runtime API (/2018-06-01/runtime/...) like AWS's own Node runtime:
// load the handler named by _HANDLER ("file.function") from LAMBDA_TASK_ROOT at init
// (CommonJS with require, ES modules with import), then loop: GET the next event, call the
// handler (async/promise or callback style), POST the response or the error in AWS's Node
// shape {errorType, errorMessage, trace: [...]}. console.* lines are written as Lambda's
// Node runtime writes them: "<ISO time>\t<request id>\t<LEVEL>\t<message>".
"use strict";

const http = require("http");
const path = require("path");
const util = require("util");
const { pathToFileURL } = require("url");

const API = process.env.AWS_LAMBDA_RUNTIME_API;
const PREFIX = "/2018-06-01/runtime";
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let currentRequestId = undefined;

// -- logging ------------------------------------------------------------------------------
// Each line starts with "\x00\x01" and 13 digits of epoch ms, the time it was written: the
// local runtime strips it and makes it the log event's timestamp (model.LINE_STAMP).
function logLine(level, args) {
  const message = util.format(...args).replace(/\n/g, "\r");
  const now = Date.now();
  const stamp = "\x00\x01" + String(now).padStart(13, "0");
  process.stdout.write(
    `${stamp}${new Date(now).toISOString()}\t${currentRequestId}\t${level}\t${message}\n`,
  );
}
console.log = (...a) => logLine("INFO", a);
console.info = (...a) => logLine("INFO", a);
console.warn = (...a) => logLine("WARN", a);
console.error = (...a) => logLine("ERROR", a);
console.debug = (...a) => logLine("DEBUG", a);
console.trace = (...a) => logLine("TRACE", a);

// -- the Runtime API ----------------------------------------------------------------------
function call(method, route, body, headers) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(body);
    const [host, port] = API.split(":");
    const request = http.request(
      {
        host,
        port,
        method,
        path: PREFIX + route,
        agent,
        headers: { ...(headers || {}), "Content-Length": data ? data.length : 0 },
      },
      (response) => {
        const chunks = [];
        response.on("data", (c) => chunks.push(c));
        response.on("end", () =>
          resolve({ headers: response.headers, body: Buffer.concat(chunks).toString("utf8") }),
        );
      },
    );
    request.on("error", reject);
    if (data) request.write(data);
    request.end();
  });
}

function errorShape(err, typeOverride) {
  if (err instanceof Error) {
    return {
      errorType: typeOverride || err.name || "Error",
      errorMessage: err.message,
      trace: String(err.stack || "").split("\n"),
    };
  }
  // callback("text") and throw "text": AWS reports the value's type as errorType
  return {
    errorType: typeOverride || typeof err,
    errorMessage: typeof err === "string" ? err : JSON.stringify(err),
    trace: [],
  };
}

function logError(prefix, shape) {
  const stack = shape.trace;
  const logged = { errorType: shape.errorType, errorMessage: shape.errorMessage, stack };
  logLine("ERROR", [`${prefix} \t${JSON.stringify(logged)}`]);
}

async function postError(route, shape) {
  await call("POST", route, JSON.stringify(shape), {
    "Content-Type": "application/json",
    "Lambda-Runtime-Function-Error-Type": shape.errorType,
  });
}

// -- loading the handler ------------------------------------------------------------------
class RuntimeFault extends Error {
  constructor(type, message, trace) {
    super(message);
    this.faultType = type;
    this.faultTrace = trace;
  }
}

async function loadHandler() {
  const spec = process.env._HANDLER || "";
  const root = process.env.LAMBDA_TASK_ROOT || process.cwd();
  const slash = spec.lastIndexOf("/");
  const dot = spec.indexOf(".", slash + 1);
  if (dot < 0) {
    throw new RuntimeFault(
      "Runtime.MalformedHandlerName",
      `Bad handler ${spec}: expected 'file.function'`,
    );
  }
  const moduleName = spec.slice(0, dot);
  const attribute = spec.slice(dot + 1);
  const base = path.resolve(root, moduleName);
  const fs = require("fs");
  let loaded;
  try {
    if (fs.existsSync(base + ".mjs")) {
      loaded = await import(pathToFileURL(base + ".mjs").href);
    } else {
      const file = [".js", ".cjs"].map((e) => base + e).find((f) => fs.existsSync(f));
      try {
        loaded = require(file || base);
      } catch (err) {
        if (err && err.code === "ERR_REQUIRE_ESM") {
          loaded = await import(pathToFileURL(file).href);
        } else {
          throw err;
        }
      }
    }
  } catch (err) {
    if (err instanceof SyntaxError) {
      throw new RuntimeFault("Runtime.UserCodeSyntaxError", `${err.name}: ${err.message}`,
        String(err.stack || "").split("\n"));
    }
    if (err && (err.code === "MODULE_NOT_FOUND" || err.code === "ERR_MODULE_NOT_FOUND")) {
      const message = `Error: ${err.message}`;
      throw new RuntimeFault("Runtime.ImportModuleError", message,
        [`Runtime.ImportModuleError: ${message}`, ...String(err.stack || "").split("\n").slice(1)]);
    }
    throw err;
  }
  let fn = loaded;
  for (const part of attribute.split(".")) fn = fn == null ? undefined : fn[part];
  if (typeof fn !== "function") {
    throw new RuntimeFault(
      "Runtime.HandlerNotFound",
      `${path.basename(moduleName)}.${attribute} is undefined or not exported`,
    );
  }
  return fn;
}

// -- the context --------------------------------------------------------------------------
function makeContext(headers) {
  const deadline = Number(headers["lambda-runtime-deadline-ms"]);
  const env = process.env;
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: headers["lambda-runtime-invoked-function-arn"],
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: headers["lambda-runtime-aws-request-id"],
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    identity: undefined,
    clientContext: undefined,
    getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
  };
  if (headers["lambda-runtime-client-context"]) {
    context.clientContext = JSON.parse(headers["lambda-runtime-client-context"]);
  }
  return context;
}

// Runs the handler: a returned promise (async handler) or the callback, whichever settles.
function runHandler(handler, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (err, result) => {
      if (settled) return;
      settled = true;
      if (err !== undefined && err !== null) reject(err);
      else resolve(result);
    };
    context.succeed = (result) => finish(null, result);
    context.fail = (err) => finish(err === undefined ? new Error("handled") : err);
    context.done = (err, result) => finish(err, result);
    try {
      const returned = handler(event, context, finish);
      if (returned && typeof returned.then === "function") {
        returned.then((r) => finish(null, r), (e) => finish(e === undefined ? new Error() : e));
      } else if (handler.length < 3) {
        finish(null, returned);
      }
    } catch (err) {
      finish(err);
    }
  });
}

// -- main loop ----------------------------------------------------------------------------
let inInvoke = null;

async function main() {
  let handler;
  try {
    handler = await loadHandler();
  } catch (err) {
    const shape = err instanceof RuntimeFault
      ? { errorType: err.faultType, errorMessage: err.message, trace: err.faultTrace || [] }
      : errorShape(err);
    logError("Uncaught Exception", shape);
    await postError("/init/error", shape);
    process.exit(129);
  }
  for (;;) {
    const next = await call("GET", "/invocation/next");
    const requestId = next.headers["lambda-runtime-aws-request-id"];
    currentRequestId = requestId;
    inInvoke = requestId;
    const context = makeContext(next.headers);
    // As AWS's runtime client: the invocation's X-Ray trace header, for SDKs and loggers.
    const trace = next.headers["lambda-runtime-trace-id"];
    if (trace) process.env._X_AMZN_TRACE_ID = trace;
    else delete process.env._X_AMZN_TRACE_ID;
    let event;
    try {
      event = JSON.parse(next.body);
    } catch (err) {
      event = next.body;
    }
    try {
      const result = await runHandler(handler, event, context);
      const body = result === undefined ? "null" : JSON.stringify(result);
      await call("POST", `/invocation/${requestId}/response`, body, {
        "Content-Type": "application/json",
      });
    } catch (err) {
      const shape = errorShape(err);
      logError("Invoke Error", shape);
      await postError(`/invocation/${requestId}/error`, shape);
    }
    inInvoke = null;
  }
}

async function crash(err, type) {
  const shape = errorShape(err, type);
  logError(type === "Runtime.UnhandledPromiseRejection" ? "Unhandled Promise Rejection" : "Uncaught Exception", shape);
  if (inInvoke) {
    await postError(`/invocation/${inInvoke}/error`, shape).catch(() => {});
  }
  process.exit(128);
}

process.on("uncaughtException", (err) => crash(err));
process.on("unhandledRejection", (reason) =>
  crash(reason instanceof Error ? reason : new Error(String(reason)), "Runtime.UnhandledPromiseRejection"));

main().catch((err) => crash(err));
