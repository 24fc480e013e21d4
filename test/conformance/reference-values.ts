/**
 * The values Databricks documents for the enum-like fields of the responses behalf
 * reads. Sources: the Python SDK 0.133.0 (`databricks/sdk/service/dashboards.py`,
 * `service/sql.py` and `errors/platform.py` of databricks/databricks-sdk-py), RFC 6749
 * section 5.2 for OAuth errors, and the OpenAI chat completion format that Databricks
 * serving endpoints return.
 */
import type { EnumRule } from "./shape-comparison.js";

/** `MessageStatus` of a Genie message. */
export const genieMessageStatuses = [
  "SUBMITTED",
  "FETCHING_METADATA",
  "FILTERING_CONTEXT",
  "ASKING_AI",
  "PENDING_WAREHOUSE",
  "EXECUTING_QUERY",
  "COMPLETED",
  "FAILED",
  "CANCELLED",
  "QUERY_RESULT_EXPIRED",
];

/** `MessageErrorType`, the `error.type` of a FAILED Genie message. */
export const genieMessageErrorTypes = [
  "BLOCK_MULTIPLE_EXECUTIONS_EXCEPTION",
  "BUDGET_EXCEEDED_EXCEPTION",
  "CERTIFIED_ANSWERS_MISSING_EXCEPTION",
  "CHAT_COMPLETION_CLIENT_EXCEPTION",
  "CHAT_COMPLETION_CLIENT_TIMEOUT_EXCEPTION",
  "CHAT_COMPLETION_NETWORK_EXCEPTION",
  "CONTENT_FILTER_EXCEPTION",
  "CONTEXT_EXCEEDED_EXCEPTION",
  "COULD_NOT_GET_DASHBOARD_SCHEMA_EXCEPTION",
  "COULD_NOT_GET_MODEL_DEPLOYMENTS_EXCEPTION",
  "COULD_NOT_GET_UC_SCHEMA_EXCEPTION",
  "DASHBOARD_PERMISSION_DENIED_EXCEPTION",
  "DELEGATION_NOT_FOUND_EXCEPTION",
  "DEPLOYMENT_NOT_FOUND_EXCEPTION",
  "DESCRIBE_QUERY_INVALID_SQL_ERROR",
  "DESCRIBE_QUERY_TIMEOUT",
  "DESCRIBE_QUERY_UNEXPECTED_FAILURE",
  "EXCEEDED_MAX_TOKEN_LENGTH_EXCEPTION",
  "FUNCTIONS_NOT_AVAILABLE_EXCEPTION",
  "FUNCTION_ARGUMENTS_INVALID_EXCEPTION",
  "FUNCTION_ARGUMENTS_INVALID_JSON_EXCEPTION",
  "FUNCTION_ARGUMENTS_INVALID_TYPE_EXCEPTION",
  "FUNCTION_CALL_MISSING_PARAMETER_EXCEPTION",
  "GENERATED_SQL_QUERY_TOO_LONG_EXCEPTION",
  "GENERIC_CHAT_COMPLETION_EXCEPTION",
  "GENERIC_CHAT_COMPLETION_SERVICE_EXCEPTION",
  "GENERIC_SQL_EXEC_API_CALL_EXCEPTION",
  "ILLEGAL_PARAMETER_DEFINITION_EXCEPTION",
  "INTERNAL_CATALOG_ASSET_CREATION_FAILED_EXCEPTION",
  "INTERNAL_CATALOG_ASSET_CREATION_ONGOING_EXCEPTION",
  "INTERNAL_CATALOG_ASSET_CREATION_UNSUPPORTED_EXCEPTION",
  "INTERNAL_CATALOG_MISSING_UC_PATH_EXCEPTION",
  "INTERNAL_CATALOG_PATH_OVERLAP_EXCEPTION",
  "INVALID_CERTIFIED_ANSWER_FUNCTION_EXCEPTION",
  "INVALID_CERTIFIED_ANSWER_IDENTIFIER_EXCEPTION",
  "INVALID_CHAT_COMPLETION_ARGUMENTS_JSON_EXCEPTION",
  "INVALID_CHAT_COMPLETION_JSON_EXCEPTION",
  "INVALID_COMPLETION_REQUEST_EXCEPTION",
  "INVALID_FUNCTION_CALL_EXCEPTION",
  "INVALID_SQL_MULTIPLE_DATASET_REFERENCES_EXCEPTION",
  "INVALID_SQL_MULTIPLE_STATEMENTS_EXCEPTION",
  "INVALID_SQL_UNKNOWN_TABLE_EXCEPTION",
  "INVALID_TABLE_IDENTIFIER_EXCEPTION",
  "LOCAL_CONTEXT_EXCEEDED_EXCEPTION",
  "MESSAGE_ATTACHMENT_TOO_LONG_ERROR",
  "MESSAGE_CANCELLED_WHILE_EXECUTING_EXCEPTION",
  "MESSAGE_DELETED_WHILE_EXECUTING_EXCEPTION",
  "MESSAGE_UPDATED_WHILE_EXECUTING_EXCEPTION",
  "MISSING_SQL_QUERY_EXCEPTION",
  "NO_DEPLOYMENTS_AVAILABLE_TO_WORKSPACE",
  "NO_QUERY_TO_VISUALIZE_EXCEPTION",
  "NO_TABLES_TO_QUERY_EXCEPTION",
  "PAY_PER_TOKEN_DISABLED_EXCEPTION",
  "RATE_LIMIT_EXCEEDED_GENERIC_EXCEPTION",
  "RATE_LIMIT_EXCEEDED_SPECIFIED_WAIT_EXCEPTION",
  "REPLY_PROCESS_TIMEOUT_EXCEPTION",
  "RETRYABLE_PROCESSING_EXCEPTION",
  "SQL_EXECUTION_EXCEPTION",
  "STOP_PROCESS_DUE_TO_AUTO_REGENERATE",
  "TABLES_MISSING_EXCEPTION",
  "TOO_MANY_CERTIFIED_ANSWERS_EXCEPTION",
  "TOO_MANY_TABLES_EXCEPTION",
  "UNEXPECTED_REPLY_PROCESS_EXCEPTION",
  "UNKNOWN_AI_MODEL",
  "UNSUPPORTED_CONVERSATION_TYPE_EXCEPTION",
  "WAREHOUSE_ACCESS_MISSING_EXCEPTION",
  "WAREHOUSE_NOT_FOUND_EXCEPTION",
];

/** `StatementState` of a SQL statement. */
export const statementStates = [
  "PENDING",
  "RUNNING",
  "SUCCEEDED",
  "FAILED",
  "CANCELED",
  "CLOSED",
];

/** `ServiceErrorCode`, the `status.error.error_code` of a FAILED statement. */
export const statementErrorCodes = [
  "ABORTED",
  "ALREADY_EXISTS",
  "BAD_REQUEST",
  "CANCELLED",
  "DEADLINE_EXCEEDED",
  "INTERNAL_ERROR",
  "IO_ERROR",
  "NOT_FOUND",
  "RESOURCE_EXHAUSTED",
  "SERVICE_UNDER_MAINTENANCE",
  "TEMPORARILY_UNAVAILABLE",
  "UNAUTHENTICATED",
  "UNKNOWN",
  "WORKSPACE_TEMPORARILY_UNAVAILABLE",
];

/** `ColumnInfoTypeName`, the `type_name` of a result column. */
export const columnTypeNames = [
  "ARRAY",
  "BINARY",
  "BOOLEAN",
  "BYTE",
  "CHAR",
  "DATE",
  "DECIMAL",
  "DOUBLE",
  "FLOAT",
  "INT",
  "INTERVAL",
  "LONG",
  "MAP",
  "NULL",
  "SHORT",
  "STRING",
  "STRUCT",
  "TIMESTAMP",
  "USER_DEFINED_TYPE",
];

/**
 * The `error_code` of a REST error body, with the HTTP status the SDK maps it to: the
 * codes named after a status class, and the more specific codes that refine them.
 */
export const errorCodeStatuses: Readonly<Record<string, number>> = {
  BAD_REQUEST: 400,
  INVALID_STATE: 400,
  INVALID_PARAMETER_VALUE: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  RESOURCE_DOES_NOT_EXIST: 404,
  RESOURCE_CONFLICT: 409,
  ABORTED: 409,
  ALREADY_EXISTS: 409,
  RESOURCE_ALREADY_EXISTS: 409,
  TOO_MANY_REQUESTS: 429,
  RESOURCE_EXHAUSTED: 429,
  REQUEST_LIMIT_EXCEEDED: 429,
  CANCELLED: 499,
  INTERNAL_ERROR: 500,
  UNKNOWN: 500,
  DATA_LOSS: 500,
  NOT_IMPLEMENTED: 501,
  TEMPORARILY_UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
};

/** The `error` of an OAuth token error response (RFC 6749 section 5.2). */
export const oauthErrorCodes = [
  "invalid_request",
  "invalid_client",
  "invalid_grant",
  "unauthorized_client",
  "unsupported_grant_type",
  "invalid_scope",
];

/** Rules that name the enum-like fields of every compared body, first match wins. */
export const referenceEnumRules: readonly EnumRule[] = [
  {
    path: /(^|\.)status\.state$/,
    name: "statement state",
    allowed: statementStates,
  },
  {
    path: /(^|\.)status\.error\.error_code$/,
    name: "statement error code",
    allowed: statementErrorCodes,
  },
  {
    path: /^error_code$/,
    name: "REST error code",
    allowed: Object.keys(errorCodeStatuses),
  },
  {
    path: /(^|\.)status$/,
    name: "Genie message status",
    allowed: genieMessageStatuses,
  },
  {
    path: /(^|\.)error\.type$/,
    name: "Genie message error type",
    allowed: genieMessageErrorTypes,
  },
  {
    path: /(^|\.)text\.purpose$/,
    name: "Genie text attachment purpose",
    allowed: ["TEXT_ATTACHMENT_PURPOSE_ANSWER", "FOLLOW_UP_QUESTION"],
  },
  {
    path: /(^|\.)thoughts\[\]\.thought_type$/,
    name: "Genie thought type",
    allowed: [
      "THOUGHT_TYPE_DESCRIPTION",
      "THOUGHT_TYPE_UNDERSTANDING",
      "THOUGHT_TYPE_DATA_SOURCING",
      "THOUGHT_TYPE_INSTRUCTIONS",
      "THOUGHT_TYPE_STEPS",
    ],
  },
  {
    path: /(^|\.)agent_type$/,
    name: "Genie conversation type",
    allowed: ["GENIE_CONVERSATION_TYPE_CHAT", "GENIE_CONVERSATION_TYPE_AGENT"],
  },
  {
    path: /(^|\.)feedback\.rating$/,
    name: "Genie feedback rating",
    allowed: ["POSITIVE", "NEGATIVE", "NONE"],
  },
  {
    path: /(^|\.)type_name$/,
    name: "column type name",
    allowed: columnTypeNames,
  },
  {
    path: /(^|\.)manifest\.format$/,
    name: "result format",
    allowed: ["JSON_ARRAY", "ARROW_STREAM", "CSV"],
  },
  { path: /^token_type$/, name: "OAuth token type", allowed: ["Bearer"] },
  { path: /^error$/, name: "OAuth error code", allowed: oauthErrorCodes },
  {
    path: /^object$/,
    name: "chat completion object",
    allowed: ["chat.completion", "chat.completion.chunk"],
  },
  {
    path: /^choices\[\]\.finish_reason$/,
    name: "chat finish reason",
    allowed: ["stop", "length", "tool_calls", "content_filter"],
  },
  {
    path: /^choices\[\]\.(message|delta)\.role$/,
    name: "chat message role",
    allowed: ["assistant"],
  },
  {
    path: /(^|\.)tool_calls\[\]\.type$/,
    name: "chat tool call type",
    allowed: ["function"],
  },
];
