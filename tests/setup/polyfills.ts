// aws-local-stepfunctions calls Promise.withResolvers, which Node 20 lacks.
import '../../src/polyfills.js';

// The SDK warns once per process that its next major needs Node 22; the suite runs on Node 20 on purpose.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
