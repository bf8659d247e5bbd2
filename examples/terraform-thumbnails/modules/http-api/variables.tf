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
