/* result: placeholder, being written */
