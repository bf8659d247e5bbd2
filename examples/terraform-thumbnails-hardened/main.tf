# Thumbnail service, hardened twin of examples/terraform-thumbnails (see README.md): the same
# AWS, Azure and Google Cloud functions and triggers, configured the way they should be.

terraform {
  required_providers {
    aws     = { source = "hashicorp/aws", version = "~> 5.0" }
    azurerm = { source = "hashicorp/azurerm", version = "~> 3.100" }
    google  = { source = "hashicorp/google", version = "~> 5.0" }
    archive = { source = "hashicorp/archive", version = "~> 2.4" }
  }
}

provider "aws" {
  region = var.aws_region
}

provider "azurerm" {
  features {}
}

provider "google" {
  project = var.gcp_project
  region  = "europe-west1"
}

data "aws_caller_identity" "current" {}

locals {
  prefix     = "thumbs-${var.environment}"
  account_id = data.aws_caller_identity.current.account_id
  common_env = {
    LOG_LEVEL = "info"
    STAGE     = var.environment
    SIZES     = join(",", var.thumbnail_sizes)
  }
}

# ------------------------------------------------------------------ encryption

resource "aws_kms_key" "thumbs" {
  description         = "${local.prefix}: buckets, queues, logs and function environments"
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.kms.json
}

data "aws_iam_policy_document" "kms" {
  statement {
    sid       = "AccountAdministration"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid       = "CloudWatchLogs"
    actions   = ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${var.aws_region}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:aws:logs:${var.aws_region}:${local.account_id}:log-group:*"]
    }
  }
}

# ------------------------------------------------------------------ storage

resource "aws_s3_bucket" "uploads" {
  bucket = "${local.prefix}-uploads"
}

resource "aws_s3_bucket" "thumbnails" {
  bucket = "${local.prefix}-thumbnails"
}

resource "aws_s3_bucket_public_access_block" "uploads" {
  bucket                  = aws_s3_bucket.uploads.id
  block_public_acls       = true
  ignore_public_acls      = true
  block_public_policy     = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_public_access_block" "thumbnails" {
  bucket                  = aws_s3_bucket.thumbnails.id
  block_public_acls       = true
  ignore_public_acls      = true
  block_public_policy     = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "uploads" {
  bucket = aws_s3_bucket.uploads.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.thumbs.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "thumbnails" {
  bucket = aws_s3_bucket.thumbnails.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.thumbs.arn
    }
    bucket_key_enabled = true
  }
}

data "aws_iam_policy_document" "tls_only_uploads" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.uploads.arn, "${aws_s3_bucket.uploads.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "uploads" {
  bucket = aws_s3_bucket.uploads.id
  policy = data.aws_iam_policy_document.tls_only_uploads.json
}

data "aws_iam_policy_document" "tls_only_thumbnails" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.thumbnails.arn, "${aws_s3_bucket.thumbnails.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "thumbnails" {
  bucket = aws_s3_bucket.thumbnails.id
  policy = data.aws_iam_policy_document.tls_only_thumbnails.json
}

# Secrets stay in SSM / Secrets Manager; functions get their names and read them at run time.
data "aws_ssm_parameter" "signing_key" {
  name            = "/thumbs/${var.environment}/signing-key"
  with_decryption = false
}

data "aws_secretsmanager_secret" "stripe" {
  name = "thumbs/${var.environment}/stripe"
}

data "aws_secretsmanager_secret" "db" {
  name = "thumbs/${var.environment}/db"
}

resource "aws_sqs_queue" "resize_dlq" {
  name                      = "${local.prefix}-resize-dlq"
  message_retention_seconds = 1209600
  kms_master_key_id         = aws_kms_key.thumbs.arn
}

# ------------------------------------------------------------------ code signing

resource "aws_lambda_code_signing_config" "thumbs" {
  description = "only artifacts signed by the thumbs signing profile"

  allowed_publishers {
    signing_profile_version_arns = [var.code_signing_profile_version_arn]
  }

  policies {
    untrusted_artifact_on_deployment = "Enforce"
  }
}

# ------------------------------------------------------------------ IAM

data "aws_iam_policy_document" "assume_lambda" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "resize" {
  name               = "${local.prefix}-resize"
  assume_role_policy = data.aws_iam_policy_document.assume_lambda.json
}

data "aws_iam_policy_document" "resize" {
  statement {
    sid       = "ReadUploads"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.uploads.arn}/incoming/*"]
  }

  statement {
    sid       = "WriteThumbnails"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.thumbnails.arn}/*"]
  }

  statement {
    sid       = "Secrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [data.aws_secretsmanager_secret.stripe.arn, data.aws_secretsmanager_secret.db.arn]
  }

  statement {
    sid       = "SigningKey"
    actions   = ["ssm:GetParameter"]
    resources = [data.aws_ssm_parameter.signing_key.arn]
  }

  statement {
    sid       = "Key"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.thumbs.arn]
  }

  statement {
    sid       = "DeadLetters"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.resize_dlq.arn]
  }

  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.resize.arn}:*"]
  }

  statement {
    sid       = "Tracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "resize" {
  name   = "resize-access"
  role   = aws_iam_role.resize.id
  policy = data.aws_iam_policy_document.resize.json
}

# ------------------------------------------------------------------ functions

data "archive_file" "resize" {
  type        = "zip"
  source_dir  = "${path.module}/src/resize"
  output_path = "${path.module}/build/resize.zip"
}

resource "aws_cloudwatch_log_group" "resize" {
  name              = "/aws/lambda/${local.prefix}-resize"
  retention_in_days = 30
  kms_key_id        = aws_kms_key.thumbs.arn
}

resource "aws_lambda_function" "resize" {
  function_name                  = "${local.prefix}-resize"
  role                           = aws_iam_role.resize.arn
  runtime                        = "python3.13"
  handler                        = "handler.handle"
  filename                       = data.archive_file.resize.output_path
  source_code_hash               = data.archive_file.resize.output_base64sha256
  timeout                        = 60
  memory_size                    = 1024
  reserved_concurrent_executions = 10
  publish                        = true
  kms_key_arn                    = aws_kms_key.thumbs.arn
  code_signing_config_arn        = aws_lambda_code_signing_config.thumbs.arn

  environment {
    variables = merge(local.common_env, {
      THUMBNAIL_BUCKET      = aws_s3_bucket.thumbnails.id
      STRIPE_SECRET_ARN     = data.aws_secretsmanager_secret.stripe.arn
      DB_SECRET_ARN         = data.aws_secretsmanager_secret.db.arn
      SIGNING_KEY_PARAMETER = data.aws_ssm_parameter.signing_key.name
    })
  }

  tracing_config {
    mode = "Active"
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.resize_dlq.arn
  }

  depends_on = [aws_cloudwatch_log_group.resize]
}

resource "aws_lambda_permission" "uploads" {
  statement_id   = "AllowUploadsBucket"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.resize.function_name
  principal      = "s3.amazonaws.com"
  source_arn     = aws_s3_bucket.uploads.arn
  source_account = local.account_id
}

resource "aws_s3_bucket_notification" "uploads" {
  bucket = aws_s3_bucket.uploads.id

  lambda_function {
    lambda_function_arn = aws_lambda_function.resize.arn
    events              = ["s3:ObjectCreated:*"]
    filter_prefix       = "incoming/"
  }

  depends_on = [aws_lambda_permission.uploads]
}

# On-demand resizing for the back office: callers sign requests with SigV4.
resource "aws_lambda_function_url" "resize" {
  function_name      = aws_lambda_function.resize.function_name
  authorization_type = "AWS_IAM"

  cors {
    allow_origins = [var.allowed_origin]
    allow_methods = ["GET"]
  }
}

resource "aws_iam_role" "api" {
  name               = "${local.prefix}-api"
  assume_role_policy = data.aws_iam_policy_document.assume_lambda.json
}

data "aws_iam_policy_document" "api" {
  statement {
    sid       = "ReadThumbnails"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.thumbnails.arn}/*"]
  }

  statement {
    sid       = "Key"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.thumbs.arn]
  }

  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.api.arn}:*"]
  }

  statement {
    sid       = "Tracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "api" {
  name   = "read-thumbnails"
  role   = aws_iam_role.api.id
  policy = data.aws_iam_policy_document.api.json
}

data "archive_file" "api" {
  type        = "zip"
  source_dir  = "${path.module}/src/api"
  output_path = "${path.module}/build/api.zip"
}

resource "aws_cloudwatch_log_group" "api" {
  name              = "/aws/lambda/${local.prefix}-api"
  retention_in_days = 30
  kms_key_id        = aws_kms_key.thumbs.arn
}

resource "aws_lambda_function" "api" {
  function_name                  = "${local.prefix}-api"
  role                           = aws_iam_role.api.arn
  runtime                        = "nodejs24.x"
  handler                        = "index.handler"
  filename                       = data.archive_file.api.output_path
  source_code_hash               = data.archive_file.api.output_base64sha256
  timeout                        = 10
  memory_size                    = 256
  reserved_concurrent_executions = 20
  publish                        = true
  code_signing_config_arn        = aws_lambda_code_signing_config.thumbs.arn

  environment {
    variables = {
      THUMBNAIL_BUCKET = aws_s3_bucket.thumbnails.bucket
    }
  }

  tracing_config {
    mode = "Active"
  }

  depends_on = [aws_cloudwatch_log_group.api]
}

module "http_api" {
  source         = "./modules/http-api"
  name           = "${local.prefix}-http"
  function_name  = aws_lambda_function.api.function_name
  invoke_arn     = aws_lambda_function.api.invoke_arn
  jwt_issuer     = var.jwt_issuer
  allowed_origin = var.allowed_origin
  kms_key_arn    = aws_kms_key.thumbs.arn
}

# ------------------------------------------------------------------ Azure

data "azurerm_client_config" "current" {}

resource "azurerm_resource_group" "thumbs" {
  name     = "${local.prefix}-rg"
  location = "westeurope"
}

resource "azurerm_storage_account" "thumbs" {
  name                            = "thumbs${var.environment}store"
  resource_group_name             = azurerm_resource_group.thumbs.name
  location                        = azurerm_resource_group.thumbs.location
  account_tier                    = "Standard"
  account_replication_type        = "LRS"
  min_tls_version                 = "TLS1_2"
  enable_https_traffic_only       = true
  allow_nested_items_to_be_public = false
  shared_access_key_enabled       = false
}

resource "azurerm_key_vault" "thumbs" {
  name                       = "${local.prefix}-kv"
  resource_group_name        = azurerm_resource_group.thumbs.name
  location                   = azurerm_resource_group.thumbs.location
  tenant_id                  = data.azurerm_client_config.current.tenant_id
  sku_name                   = "standard"
  enable_rbac_authorization  = true
  purge_protection_enabled   = true
  soft_delete_retention_days = 30
}

resource "azurerm_service_plan" "thumbs" {
  name                = "${local.prefix}-plan"
  resource_group_name = azurerm_resource_group.thumbs.name
  location            = azurerm_resource_group.thumbs.location
  os_type             = "Linux"
  sku_name            = "Y1"
}

resource "azurerm_linux_function_app" "thumbs" {
  name                          = "${local.prefix}-func"
  resource_group_name           = azurerm_resource_group.thumbs.name
  location                      = azurerm_resource_group.thumbs.location
  service_plan_id               = azurerm_service_plan.thumbs.id
  storage_account_name          = azurerm_storage_account.thumbs.name
  storage_uses_managed_identity = true
  https_only                    = true

  identity {
    type = "SystemAssigned"
  }

  app_settings = {
    FUNCTIONS_WORKER_RUNTIME = "python"
    THUMBNAIL_CONTAINER      = "thumbnails"
    CDN_SIGNING_SECRET       = "@Microsoft.KeyVault(SecretUri=${azurerm_key_vault.thumbs.vault_uri}secrets/cdn-signing-secret/)"
    DB_PASSWORD              = "@Microsoft.KeyVault(SecretUri=${azurerm_key_vault.thumbs.vault_uri}secrets/db-password/)"
  }

  auth_settings_v2 {
    auth_enabled           = true
    require_authentication = true
    unauthenticated_action = "Return401"

    active_directory_v2 {
      client_id            = var.azure_client_id
      tenant_auth_endpoint = "https://login.microsoftonline.com/${var.azure_tenant_id}/v2.0"
    }

    login {}
  }

  site_config {
    minimum_tls_version = "1.2"
    ftps_state          = "Disabled"
    http2_enabled       = true

    application_stack {
      python_version = "3.11"
    }

    cors {
      allowed_origins = [var.allowed_origin]
    }
  }
}

resource "azurerm_role_assignment" "func_secrets" {
  scope                = azurerm_key_vault.thumbs.id
  role_definition_name = "Key Vault Secrets User"
  principal_id         = azurerm_linux_function_app.thumbs.identity[0].principal_id
}

resource "azurerm_role_assignment" "func_storage" {
  scope                = azurerm_storage_account.thumbs.id
  role_definition_name = "Storage Blob Data Owner"
  principal_id         = azurerm_linux_function_app.thumbs.identity[0].principal_id
}

# ------------------------------------------------------------------ Google Cloud

resource "google_storage_bucket" "source" {
  name                        = "${var.gcp_project}-thumbs-source"
  location                    = "EU"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"

  versioning {
    enabled = true
  }
}

resource "google_service_account" "thumbs" {
  account_id   = "${local.prefix}-gcf"
  display_name = "thumbnail function (no project roles)"
}

resource "google_secret_manager_secret_iam_member" "admin_token" {
  secret_id = "thumbs-admin-token"
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.thumbs.email}"
}

resource "google_secret_manager_secret_iam_member" "db_password" {
  secret_id = "thumbs-db-password"
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.thumbs.email}"
}

resource "google_storage_bucket_iam_member" "output" {
  bucket = google_storage_bucket.source.name
  role   = "roles/storage.objectCreator"
  member = "serviceAccount:${google_service_account.thumbs.email}"
}

resource "google_cloudfunctions2_function" "thumbs" {
  name     = "${local.prefix}-gcf"
  location = "europe-west1"

  build_config {
    runtime     = "python312"
    entry_point = "make_thumbnail"
    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = "thumbs.zip"
      }
    }
  }

  service_config {
    available_memory      = "512M"
    timeout_seconds       = 120
    max_instance_count    = 10
    ingress_settings      = "ALLOW_INTERNAL_AND_GCLB"
    service_account_email = google_service_account.thumbs.email
    environment_variables = {
      OUTPUT_BUCKET = google_storage_bucket.source.name
    }
    secret_environment_variables {
      key        = "ADMIN_TOKEN"
      project_id = var.gcp_project
      secret     = "thumbs-admin-token"
      version    = "3"
    }
    secret_environment_variables {
      key        = "DB_PASSWORD"
      project_id = var.gcp_project
      secret     = "thumbs-db-password"
      version    = "2"
    }
  }
}

# Only the upload service may call the function (an OIDC token for this identity is required).
resource "google_cloudfunctions2_function_iam_member" "invoker" {
  project        = google_cloudfunctions2_function.thumbs.project
  location       = google_cloudfunctions2_function.thumbs.location
  cloud_function = google_cloudfunctions2_function.thumbs.name
  role           = "roles/cloudfunctions.invoker"
  member         = var.gcp_invoker
}
