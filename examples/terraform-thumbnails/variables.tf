variable "environment" {
  description = "Deployment stage"
  type        = string
  default     = "dev"
}

variable "aws_region" {
  type    = string
  default = "us-east-1"
}

variable "db_password" {
  description = "Password of the thumbnail metadata database"
  type        = string
  default     = "Thumbs-DB-Passw0rd-2024!"
  sensitive   = true
}

variable "jwt_issuer" {
  description = "Issuer of the tokens accepted by the upload API"
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
