variable "name" {
  type = string
}

variable "function_name" {
  type = string
}

variable "invoke_arn" {
  type = string
}

variable "jwt_issuer" {
  type = string
}

variable "allowed_origin" {
  type = string
}

variable "kms_key_arn" {
  description = "Key for the access-log group"
  type        = string
}
