variable "environment" {
  description = "Deployment stage"
  type        = string
  default     = "dev"
}

variable "aws_region" {
  type    = string
  default = "us-east-1"
}

# No database password variable any more: the password lives in Secrets Manager
# (thumbs/<environment>/db) and the resize function reads it at run time.

variable "jwt_issuer" {
  description = "Issuer of the tokens accepted by the thumbnail API"
  type        = string
}

variable "allowed_origin" {
  description = "The web front end allowed to call the APIs from a browser"
  type        = string
  default     = "https://thumbs.example.com"
}

variable "code_signing_profile_version_arn" {
  description = "AWS Signer profile version whose signatures the Lambda functions require"
  type        = string
}

variable "thumbnail_sizes" {
  type    = list(string)
  default = ["128", "512"]
}

variable "gcp_project" {
  type    = string
  default = "thumbs-demo"
}

variable "gcp_invoker" {
  description = "The only identity allowed to invoke the Cloud Function (the upload service)"
  type        = string
  default     = "serviceAccount:uploader@thumbs-demo.iam.gserviceaccount.com"
}

variable "azure_tenant_id" {
  type    = string
  default = "00000000-0000-0000-0000-000000000000"
}

variable "azure_client_id" {
  description = "Entra ID application that fronts the Azure function app"
  type        = string
  default     = "11111111-1111-1111-1111-111111111111"
}
