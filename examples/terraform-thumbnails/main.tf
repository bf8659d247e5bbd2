terraform {
  required_providers {
    aws     = { source = "hashicorp/aws", version = "~> 5.0" }
    azurerm = { source = "hashicorp/azurerm", version = "~> 3.100" }
    google  = { source = "hashicorp/google", version = "~> 5.0" }
    archive = { source = "hashicorp/archive" }
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

locals {
  prefix = "thumbs-${var.environment}"
  common_env = {
    LOG_LEVEL = "info"
    STAGE     = var.environment
    SIZES     = join(",", var.thumbnail_sizes)
  }
}

# ------------------------------------------------------------------ storage

resource "aws_s3_bucket" "uploads" {
  bucket = "${local.prefix}-uploads"
}

resource "aws_s3_bucket_public_access_block" "uploads" {
  bucket                  = aws_s3_bucket.uploads.id
  block_public_acls       = true
  ignore_public_acls      = true
  block_public_policy     = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket" "thumbnails" {
  bucket = "${local.prefix}-thumbnails"
}

resource "aws_s3_bucket_server_side_encryption_configuration" "thumbnails" {
  bucket = aws_s3_bucket.thumbnails.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "aws:kms"
    }
  }
}

data "aws_ssm_parameter" "signing_key" {
  name = "/thumbs/${var.environment}/signing-key"
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
    sid       = "Buckets"
    effect    = "Allow"
    actions   = ["s3:*"]
    resources = ["*"]
  }

  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["arn:aws:logs:*:*:log-group:/aws/lambda/${local.prefix}-*"]
  }
}

resource "aws_iam_role_policy" "resize" {
  name   = "resize-access"
  role   = aws_iam_role.resize.id
  policy = data.aws_iam_policy_document.resize.json
}

resource "aws_iam_role_policy_attachment" "resize_logs" {
  role       = aws_iam_role.resize.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

# ------------------------------------------------------------------ functions

data "archive_file" "resize" {
  type        = "zip"
  source_dir  = "${path.module}/src/resize"
  output_path = "${path.module}/build/resize.zip"
}

resource "aws_lambda_function" "resize" {
  function_name    = "${local.prefix}-resize"
  role             = aws_iam_role.resize.arn
  runtime          = "python3.12"
  handler          = "handler.handle"
  filename         = data.archive_file.resize.output_path
  source_code_hash = data.archive_file.resize.output_base64sha256
  timeout          = 60
  memory_size      = 1024

  environment {
    variables = merge(local.common_env, {
      THUMBNAIL_BUCKET = aws_s3_bucket.thumbnails.id
      STRIPE_API_KEY   = "sk_live_51HqLyjWDarjtT1zdp7dcXRlPYk9jmTgQ"
      DB_PASSWORD      = var.db_password
      SIGNING_KEY      = data.aws_ssm_parameter.signing_key.value
    })
  }
}

resource "aws_lambda_permission" "uploads" {
  statement_id  = "AllowUploadsBucket"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.resize.function_name
  principal     = "s3.amazonaws.com"
  source_arn    = aws_s3_bucket.uploads.arn
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

resource "aws_lambda_function_url" "resize" {
  function_name      = aws_lambda_function.resize.function_name
  authorization_type = "NONE"

  cors {
    allow_origins = ["*"]
    allow_methods = ["GET"]
  }
}

resource "aws_cloudwatch_log_group" "resize" {
  name              = "/aws/lambda/${aws_lambda_function.resize.function_name}"
  retention_in_days = 14
}

resource "aws_iam_role" "api" {
  name                = "${local.prefix}-api"
  assume_role_policy  = data.aws_iam_policy_document.assume_lambda.json
  managed_policy_arns = ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]

  inline_policy {
    name = "read-thumbnails"
    policy = jsonencode({
      Version = "2012-10-17"
      Statement = [
        {
          Effect   = "Allow"
          Action   = ["s3:GetObject"]
          Resource = "${aws_s3_bucket.thumbnails.arn}/*"
        },
      ]
    })
  }
}

data "archive_file" "api" {
  type        = "zip"
  source_dir  = "${path.module}/src/api"
  output_path = "${path.module}/build/api.zip"
}

resource "aws_lambda_function" "api" {
  function_name = "${local.prefix}-api"
  role          = aws_iam_role.api.arn
  runtime       = "nodejs20.x"
  handler       = "index.handler"
  filename      = data.archive_file.api.output_path

  environment {
    variables = {
      THUMBNAIL_BUCKET = aws_s3_bucket.thumbnails.bucket
    }
  }
}

module "http_api" {
  source        = "./modules/http-api"
  name          = "${local.prefix}-http"
  function_name = aws_lambda_function.api.function_name
  invoke_arn    = aws_lambda_function.api.invoke_arn
  jwt_issuer    = var.jwt_issuer
}

# ------------------------------------------------------------------ Azure

resource "azurerm_resource_group" "thumbs" {
  name     = "${local.prefix}-rg"
  location = "westeurope"
}

resource "azurerm_storage_account" "thumbs" {
  name                     = "thumbs${var.environment}store"
  resource_group_name      = azurerm_resource_group.thumbs.name
  location                 = azurerm_resource_group.thumbs.location
  account_tier             = "Standard"
  account_replication_type = "LRS"
}

resource "azurerm_service_plan" "thumbs" {
  name                = "${local.prefix}-plan"
  resource_group_name = azurerm_resource_group.thumbs.name
  location            = azurerm_resource_group.thumbs.location
  os_type             = "Linux"
  sku_name            = "Y1"
}

resource "azurerm_linux_function_app" "thumbs" {
  name                       = "${local.prefix}-func"
  resource_group_name        = azurerm_resource_group.thumbs.name
  location                   = azurerm_resource_group.thumbs.location
  service_plan_id            = azurerm_service_plan.thumbs.id
  storage_account_name       = azurerm_storage_account.thumbs.name
  storage_account_access_key = azurerm_storage_account.thumbs.primary_access_key

  app_settings = {
    FUNCTIONS_WORKER_RUNTIME = "python"
    THUMBNAIL_CONTAINER      = "thumbnails"
    CDN_SIGNING_SECRET       = "c2VjcmV0LWNkbi1zaWduaW5nLWtleS0yMDI0"
    DB_PASSWORD              = "@Microsoft.KeyVault(SecretUri=https://thumbs-kv.vault.azure.net/secrets/db-password/)"
  }

  site_config {
    minimum_tls_version = "1.2"
    application_stack {
      python_version = "3.11"
    }
  }
}

# ------------------------------------------------------------------ Google Cloud

resource "google_storage_bucket" "source" {
  name     = "${var.gcp_project}-thumbs-source"
  location = "EU"
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
    available_memory   = "512M"
    timeout_seconds    = 120
    ingress_settings   = "ALLOW_ALL"
    environment_variables = {
      OUTPUT_BUCKET = google_storage_bucket.source.name
      ADMIN_TOKEN   = "ghp_R4nd0mL00k1ngT0k3nV4lu3F0rT3st1ng00"
    }
    secret_environment_variables {
      key        = "DB_PASSWORD"
      project_id = var.gcp_project
      secret     = "thumbs-db-password"
      version    = "latest"
    }
  }
}

resource "google_cloudfunctions2_function_iam_member" "public" {
  project        = google_cloudfunctions2_function.thumbs.project
  location       = google_cloudfunctions2_function.thumbs.location
  cloud_function = google_cloudfunctions2_function.thumbs.name
  role           = "roles/cloudfunctions.invoker"
  member         = "allUsers"
}
