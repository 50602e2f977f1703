/* reply: placeholder, being written */
