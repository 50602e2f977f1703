/* verdict: placeholder, being written */
